# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the dovecot role's settings check (plugin_utils/_inputs_dovecot.py): the mail users'
entries and accounts, the TLS files, the quota and the guard against password guessing, with the
catalogue's words; the host is asked only what the settings name."""

from __future__ import annotations

import pathlib

import pytest
import yaml

from ansible_collections.tkj.mailserver.plugins.plugin_utils import _inputs_dovecot as dovecot

ROLE = pathlib.Path(__file__).resolve().parents[4] / "roles" / "dovecot"
NO_HOST = {"accounts": [], "missing": []}
LOGIN_DEFS = ["UID_MIN 1000", "UID_MAX 60000"]


def values(**changes):
    """The role's defaults (meta/argument_specs.yml) with two mail users, and ``changes``."""
    specs = yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text(encoding="utf-8"))["argument_specs"]["main"]["options"]
    result = {name: option.get("default") for name, option in specs.items()}
    result.update(dovecot_users=[{"name": "nida", "password": "rahasia"}, {"name": "budi", "password_hash": "$6$salt$hash"}])
    result.update(changes)
    return result


def errors_of(host=None, **changes):
    return dovecot.check(values(**changes), host or NO_HOST, "mail")[0]


def test_the_lab_defaults_pass_and_read_the_accounts():
    assert dovecot.check(values(), {"accounts": LOGIN_DEFS + ["nida:x:1001:1001::/home/nida:/usr/sbin/nologin"],
                                    "missing": []}, "mail") == ([], [])
    assert dovecot.host_queries(values()) == {"accounts": ["nida", "budi"], "login_defs": True, "files": []}
    assert dovecot.host_queries(values(dovecot_users=[])) == {"accounts": [], "login_defs": False, "files": []}


@pytest.mark.parametrize("user", [
    {"name": "Nida Putri", "password": "x"}, {"name": "nida", "password": None}, {"name": "nida", "password": ""},
    {"name": "nida", "password": "$6$salt$looks-like-a-hash"}, {"name": "nida", "password_hash": "plain"}])
def test_a_bad_entry_is_refused_without_its_password(user):
    errors = errors_of(dovecot_users=[user])
    assert errors[0].startswith("dovecot_users: every entry needs a name (lower-case system user name, unique)")
    assert "A plain password must not look like a hash and must not be empty" in errors[0]
    assert "password" not in errors[0].split("Entries given:")[1]


def test_a_name_given_twice_is_refused():
    assert "unique" in errors_of(dovecot_users=[{"name": "nida", "password": "a"}, {"name": "nida", "password": "b"}])[0]


def test_system_and_login_accounts_are_refused():
    host = {"missing": [], "accounts": LOGIN_DEFS + ["budi:x:1002:1002::/home/budi:/bin/bash"]}
    error = errors_of(host, dovecot_users=[{"name": "root", "password": "x"}, {"name": "budi", "password": "y"}])[0]
    assert error.startswith("dovecot_users may only name mail users, and root is a service's own account or a system name (reserved); "
                            "budi is a login account on this host (shell /bin/bash)")


def test_own_tls_files_are_looked_for():
    settings = values(dovecot_tls_key_file="/etc/ssl/private/own.key")
    assert dovecot.host_queries(settings)["files"] == ["/etc/ssl/private/own.key"]
    error = errors_of({"accounts": [], "missing": ["/etc/ssl/private/own.key"]})[0]
    assert error.startswith("/etc/ssl/private/own.key does not exist on mail: put the file there first")


@pytest.mark.parametrize("changes", [{"dovecot_quota": "5 MB"}, {"dovecot_ban_ignore": ["any"]}, {"dovecot_ban_findtime": "ten minutes"},
                                     {"dovecot_ban_after": -1}, {"dovecot_ban_ignore": ["10.0.0.0/33"]}])
def test_quota_and_guard_values_are_refused(changes):
    errors = errors_of(**changes)
    assert len(errors) == 1
    assert errors[0].startswith("dovecot_quota (5 MB) must be a size" if "dovecot_quota" in changes else "dovecot_ban_after (")


def test_good_quota_and_guard_values_pass():
    assert errors_of(dovecot_quota="500M", dovecot_ban_ignore=["192.168.10.5", "10.20.0.0/24", "2001:db8::/64"],
                     dovecot_ban_findtime="600", dovecot_ban_time="1d", dovecot_ban_after=0) == []
