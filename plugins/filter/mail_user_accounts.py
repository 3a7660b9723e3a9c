# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The mail_user_accounts filter: the mail users that would take over an account that is not a mail user's."""

from __future__ import annotations

DOCUMENTATION = r"""
name: mail_user_accounts
short_description: The mail users whose name is a system account, a service's user or a person's login
version_added: 0.12.0
author:
  - tkj.mailserver developers (@tkj-lab)
description:
  - The dovecot role makes each mail user a system account with a password and the shell O(shell), and removes it
    with C(state=absent). A name that is already another kind of account would lose its password, its shell or
    itself, as C(root) would get the mail password and no login shell.
  - For each user of the input, returns a message when its name is one of the services' own users (root, postfix,
    dovecot, bind, www-data, opendkim, nobody ...), or an account of the host with a uid outside
    C(UID_MIN)..C(UID_MAX) of C(/etc/login.defs) (a system account), or an account in that range whose shell is
    not O(shell) (a person's login, not a mail user the collection made).
  - Names that are no account yet pass (unless reserved), as the role creates them.
positional: accounts, shell
options:
  _input:
    description: The mail users, mappings with C(name), as the dovecot role's C(dovecot_users).
    type: list
    elements: dict
    required: true
  accounts:
    description:
      - C(getent passwd NAME ...) output for the users' names (lines C(name:x:uid:gid:gecos:home:shell)), and the
        C(UID_MIN) and C(UID_MAX) lines of C(/etc/login.defs), in any order (Debian's 1000 and 60000 when absent).
      - One command's output can give both, as the dovecot role reads them.
    type: str
    required: true
  shell:
    description: The shell the role gives mail users (the dovecot role's C(dovecot_users_shell)).
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Refuse mail users that are system accounts
  ansible.builtin.assert:
    that: dovecot_users | tkj.mailserver.mail_user_accounts(accounts.stdout, '/usr/sbin/nologin') | length == 0
"""

RETURN = r"""
_value:
  description: One message for each user that may not be a mail user, naming it and why.
  type: list
  elements: str
  sample: ["root is a service's own account (reserved)"]
"""

import re

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.collections import is_sequence

# The accounts of Debian's base system and of the services this collection (or a mail server beside it) runs.
RESERVED = frozenset((
    "root", "daemon", "bin", "sys", "sync", "games", "man", "lp", "mail", "news", "uucp", "proxy", "www-data",
    "backup", "list", "irc", "gnats", "nobody", "nogroup", "messagebus", "sshd", "postfix", "postmaster", "dovecot",
    "dovenull", "vmail", "bind", "named", "opendkim", "opendmarc", "rspamd", "redis", "clamav", "amavis", "nginx",
    "mysql", "postgres", "ntp", "avahi", "polkitd", "tss", "uuidd", "dnsmasq", "certbot", "abuse", "hostmaster",
))
RESERVED_PREFIXES = ("systemd-", "_")
LOGIN_DEFS_DEFAULTS = {"UID_MIN": 1000, "UID_MAX": 60000}


def login_defs_range(text):
    """(UID_MIN, UID_MAX) from the text of /etc/login.defs, Debian's defaults where a value is missing."""
    limits = dict(LOGIN_DEFS_DEFAULTS)
    for line in text.splitlines():
        match = re.match(r"^\s*(UID_MIN|UID_MAX)\s+(\d+)\s*(#.*)?$", line)
        if match:
            limits[match.group(1)] = int(match.group(2))
    return limits["UID_MIN"], limits["UID_MAX"]


def refusal(name, account, uid_range, shell):
    """Why the account ``account`` (passwd fields, or None when there is none) may not be the mail user ``name``,
    or None when it may."""
    if name in RESERVED or name.startswith(RESERVED_PREFIXES):
        return "%s is a service's own account or a system name (reserved)" % name
    if account is None:
        return None
    uid, login_shell = int(account[2]), account[6]
    if not uid_range[0] <= uid <= uid_range[1]:
        return "%s is a system account on this host (uid %d, outside UID_MIN..UID_MAX %d..%d of /etc/login.defs)" % (
            name, uid, uid_range[0], uid_range[1])
    if login_shell != shell:
        return "%s is a login account on this host (shell %s), not a mail user the collection made (shell %s)" % (
            name, login_shell, shell)
    return None


def mail_user_accounts(users, accounts, shell):
    """The message for each user of ``users`` that may not be a mail user (see DOCUMENTATION)."""
    if not is_sequence(users) or not all(isinstance(user, dict) and isinstance(user.get("name"), str) for user in users):
        raise AnsibleFilterError("mail_user_accounts: expected a list of users with a name, as dovecot_users")
    found = {}
    for line in (accounts or "").splitlines():
        fields = line.split(":")
        if len(fields) == 7 and fields[2].isdigit():
            found[fields[0]] = fields
    uid_range = login_defs_range(accounts or "")
    messages = [refusal(user["name"], found.get(user["name"]), uid_range, shell) for user in users]
    return [message for message in messages if message]


class FilterModule:
    """The tkj.mailserver filters defined in this file."""

    def filters(self):
        return {"mail_user_accounts": mail_user_accounts}
