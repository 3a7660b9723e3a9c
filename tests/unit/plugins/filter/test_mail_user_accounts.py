# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the mail_user_accounts filter."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.tkj.mailserver.plugins.filter.mail_user_accounts import mail_user_accounts

NOLOGIN = "/usr/sbin/nologin"
LOGIN_DEFS = "UID_MIN                  1000\nUID_MAX                 60000\n"
ACCOUNTS = "\n".join([
    "nida:x:1001:1001::/home/nida:/usr/sbin/nologin",
    "budi:x:1002:1002:Budi,,,:/home/budi:/bin/bash",
    "sshdog:x:999:999::/nonexistent:/usr/sbin/nologin",
    "nobody2:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin",
])


def names(*names):
    return [{"name": name, "password": "x"} for name in names]


def test_mail_users_made_by_the_collection_and_new_names_pass():
    """An account in UID_MIN..UID_MAX with the mail users' shell (made by an earlier run), and a name with no account."""
    assert mail_user_accounts(names("nida", "gita"), LOGIN_DEFS + ACCOUNTS, NOLOGIN) == []


@pytest.mark.parametrize("name", ["root", "postfix", "dovecot", "bind", "www-data", "opendkim", "opendmarc", "nobody",
                                  "systemd-network", "_apt"])
def test_service_users_are_refused_even_before_they_exist(name):
    """A service's own user is refused on a bare host too, where its package has not made it yet."""
    assert mail_user_accounts(names(name), "", NOLOGIN) == ["%s is a service's own account or a system name (reserved)" % name]


def test_system_and_login_accounts_are_refused_each_with_why():
    """uid below UID_MIN or above UID_MAX: a system account; a login shell: a person's account."""
    assert mail_user_accounts(names("sshdog", "nobody2", "budi", "nida"), LOGIN_DEFS + ACCOUNTS, NOLOGIN) == [
        "sshdog is a system account on this host (uid 999, outside UID_MIN..UID_MAX 1000..60000 of /etc/login.defs)",
        "nobody2 is a system account on this host (uid 65534, outside UID_MIN..UID_MAX 1000..60000 of /etc/login.defs)",
        "budi is a login account on this host (shell /bin/bash), not a mail user the collection made (shell /usr/sbin/nologin)",
    ]


def test_login_defs_limits_are_read_and_default_to_debians():
    """UID_MIN from login.defs (comments and other keys ignored); Debian's 1000..60000 when the file says nothing."""
    custom = "# UID_MIN 10\nSYS_UID_MIN 100\nUID_MIN 1002 # site policy\n"
    assert mail_user_accounts(names("nida"), custom + ACCOUNTS, NOLOGIN) == [
        "nida is a system account on this host (uid 1001, outside UID_MIN..UID_MAX 1002..60000 of /etc/login.defs)"]
    assert mail_user_accounts(names("sshdog"), ACCOUNTS, NOLOGIN)[0].endswith("1000..60000 of /etc/login.defs)")


def test_login_defs_lines_may_follow_the_accounts():
    """The limits are read wherever they stand in the text."""
    output = ACCOUNTS + "\n" + LOGIN_DEFS
    assert mail_user_accounts(names("budi", "nida"), output, NOLOGIN) == [
        "budi is a login account on this host (shell /bin/bash), not a mail user the collection made (shell /usr/sbin/nologin)"]


def test_input_that_is_not_a_user_list_is_an_error():
    with pytest.raises(AnsibleFilterError, match="^mail_user_accounts: expected a list of users with a name"):
        mail_user_accounts([{"password": "x"}], "", NOLOGIN)
