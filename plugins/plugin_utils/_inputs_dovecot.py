# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The dovecot role's settings, checked in one pass on the controller by tkj.mailserver.role_inputs:
the mail users (and that none is a system, service or login account of the host), your own TLS
files, the quota and the guard against password guessing; each refusal with the message of the
bad-input catalogue (docs/bad-input.md). The accounts are judged by the mail_user_accounts filter's
function, the networks by the network_check filter's."""

from __future__ import annotations

import re

from ansible_collections.tkj.mailserver.plugins.filter.mail_user_accounts import mail_user_accounts
from ansible_collections.tkj.mailserver.plugins.module_utils._networks import check_networks
from ansible_collections.tkj.mailserver.plugins.plugin_utils._inputs_tls import missing_message, own_files

USER_NAME = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
CRYPT_HASH = re.compile(r"^\$(1|5|6|y|2[aby])\$")
QUOTA = re.compile(r"^[1-9][0-9]*[KMGT]?$")
# fail2ban's times: seconds, or a number with s, m, h, d or w.
BAN_TIME = re.compile(r"^[1-9][0-9]*[smhdw]?$")
ADDRESS = re.compile(r"^[0-9A-Fa-f:.]+(/[0-9]{1,3})?$")


def tls_paths(values):
    """The TLS files that must exist on the host."""
    return own_files(values["dovecot_tls_cert_file"], values["dovecot_tls_key_file"])


def host_queries(values):
    """What to read on the host: the accounts of the mail users' names with UID_MIN and UID_MAX of
    /etc/login.defs, and the TLS files."""
    names = [user["name"] for user in values["dovecot_users"]]
    return {"accounts": names, "login_defs": bool(names), "files": tls_paths(values)}


def user_errors(values, host):
    """The mail users' entries, then the accounts their names are on the host."""
    users = values["dovecot_users"]
    names = [user["name"] for user in users]
    hashes = [user["password_hash"] for user in users if "password_hash" in user]
    passwords = [user["password"] for user in users if "password" in user]
    if (any(not USER_NAME.match(name) for name in names) or len(set(names)) != len(names)
            or any(not CRYPT_HASH.match(str(value)) for value in hashes)
            or any(value is None or value == "" or CRYPT_HASH.match(str(value)) for value in passwords)):
        given = [{key: value for key, value in user.items() if key not in ("password", "password_hash")} for user in users]
        return ["dovecot_users: every entry needs a name (lower-case system user name, unique), and a present user exactly one "
                "of password (plain text, hashed here) or password_hash (a crypt(3) hash such as $6$... or $y$...). A plain "
                "password must not look like a hash and must not be empty. Entries given: %s" % given]
    refusals = mail_user_accounts(users, "\n".join(host["accounts"]), values["dovecot_users_shell"]) if users else []
    if refusals:
        return ["dovecot_users may only name mail users, and %s: the role would set its password and shell (or, with state "
                "absent, remove it). Choose another name for the mail user; mail to root, postmaster and abuse goes to a user "
                "through postfix_root_recipient." % "; ".join(refusals)]
    return []


def guard_errors(values):
    """The mailbox quota and the guard against password guessing (fail2ban)."""
    errors = []
    quota = str(values["dovecot_quota"])
    if quota and not QUOTA.match(quota):
        errors.append("dovecot_quota (%s) must be a size such as 1M, 500M or 2G (K, M, G, T; a plain number is bytes), or empty "
                      "for no quota." % quota)
    ignore = values["dovecot_ban_ignore"]
    if (int(values["dovecot_ban_after"]) < 0 or not BAN_TIME.match(str(values["dovecot_ban_findtime"]))
            or not BAN_TIME.match(str(values["dovecot_ban_time"])) or any(not ADDRESS.match(entry) for entry in ignore)
            or check_networks(ignore, "bind")["invalid"]):
        errors.append("dovecot_ban_after (%s) must be a number of failed logins (0: no fail2ban), dovecot_ban_findtime (%s) and "
                      "dovecot_ban_time (%s) a time such as 600, 10m, 1h or 1d, and dovecot_ban_ignore (%s) addresses or networks "
                      "such as 192.168.10.5, 10.20.0.0/24 or 2001:db8::/64." % (
                          values["dovecot_ban_after"], values["dovecot_ban_findtime"], values["dovecot_ban_time"], ignore))
    return errors


def check(values, host, hostname):
    """Every check of the role's settings: (errors, warnings). ``host`` is what host_queries() read."""
    errors = user_errors(values, host)
    if host["missing"]:
        errors.append(missing_message(host["missing"], hostname, "dovecot"))
    return errors + guard_errors(values), []
