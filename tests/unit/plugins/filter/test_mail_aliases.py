# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the mail_aliases filter."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.tkj.mailserver.plugins.filter.mail_aliases import mail_aliases

DOMAINS = ["nida.com", "smk-nida.sch.id"]
LOCAL = DOMAINS + ["mail.nida.com", "localhost"]


def plan(aliases, root="", users=("nida", "budi"), lab=None):
    return mail_aliases(aliases, DOMAINS, LOCAL, root, list(users), lab)


def test_rfc2142_addresses_go_to_root_and_root_to_the_recipient():
    """postmaster and abuse always go to root; root gets a line only when someone is named."""
    assert plan([])["local"] == {"postmaster": ["root"], "abuse": ["root"]}
    assert plan([], root="nida") == {"errors": [], "local": {"postmaster": ["root"], "abuse": ["root"], "root": ["nida"]},
                                     "domain": [], "lookups": [], "senders": []}


def test_aliases_are_sorted_by_whether_they_name_a_domain():
    """guru (no @) goes to /etc/aliases after the fixed lines; kelas@ to the per-domain table, lower case."""
    result = plan([{"name": "guru", "to": ["nida"]}, {"name": "Kelas@Nida.com", "to": ["nida", "budi"]},
                   {"name": "postmaster", "to": ["budi"]}])
    assert result["errors"] == []
    assert list(result["local"].items()) == [("postmaster", ["budi"]), ("abuse", ["root"]), ("guru", ["nida"])]
    assert result["domain"] == [{"name": "kelas@nida.com", "to": ["nida", "budi"]}]


def test_senders_are_the_users_each_alias_names():
    """Who may send as an alias after logging in: its targets that are users (an address at a local domain by its
    local part), never root, nobody for an alias that only forwards elsewhere; the implicit postmaster is not listed."""
    result = plan([{"name": "guru", "to": ["nida", "root", "bob@beta.test"]},
                   {"name": "Kelas@Nida.com", "to": ["budi@mail.nida.com", "NIDA", "budi", "staff"]},
                   {"name": "info", "to": ["bob@beta.test"]}], root="nida")
    assert result["senders"] == [{"address": "guru", "domain": None, "owners": ["nida"]},
                                 {"address": "kelas", "domain": "nida.com", "owners": ["budi", "nida"]}]


def test_targets_that_are_not_known_are_looked_up_on_the_host():
    """Users, aliases and root are known; an address at a local domain counts by its local part;
    addresses elsewhere are not looked up."""
    result = plan([{"name": "guru", "to": ["nida", "Pak-Guru", "staff"]}, {"name": "staff", "to": ["cici@mail.nida.com"]},
                   {"name": "info@smk-nida.sch.id", "to": ["bob@beta.test", "root"]}], root="dodi")
    assert result["errors"] == []
    assert result["lookups"] == ["cici", "dodi", "pak-guru"]


def test_each_mistake_is_named_with_its_entry():
    """Every mistake at once: no targets, a bad local part, a domain not hosted, a name twice, a bad target."""
    result = plan([{"name": "guru", "to": []}, {"name": "a b", "to": ["nida"]}, {"name": "info@other.test", "to": ["nida"]},
                   {"name": "x", "to": ["nida"]}, {"name": "X", "to": ["budi"]}, {"name": "y", "to": ["bob@not a domain"]},
                   {"to": ["nida"]}])
    assert result["errors"] == [
        "guru: to must be a non-empty list of users or addresses, such as [nida] (got [])",
        "a b: 'a b' is not a local part (letters, digits and . _ + -)",
        "info@other.test: other.test is not a domain of this server (nida.com, smk-nida.sch.id); an alias is at one of them,"
        " or at all of them when its name has no @",
        "X: the name is given twice; list all its targets in one entry",
        "entry 7 ({'to': ['nida']}) has no name: write {name: guru, to: [nida]}",
        "y: target 'bob@not a domain' is not an address user@domain",
    ]


def test_lab_isolation_allows_forwarding_only_to_lab_domains():
    """With lab isolation only the lab's domains are targets; without it any domain is."""
    aliases = [{"name": "info", "to": ["bob@beta.test", "x@example.invalid"]}]
    assert plan(aliases)["errors"] == []
    assert plan(aliases, lab=["beta.test"])["errors"] == [
        "info: forwards to x@example.invalid, which lab isolation refuses (postfix_lab_isolation): forward only to the"
        " lab's domains (nida.com, beta.test), or add example.invalid to postfix_lab_domains"]


def test_root_recipient_is_checked_as_a_target():
    assert plan([], root="not a user")["errors"] == [
        "postfix_root_recipient: target 'not a user' is not a user name or an address user@domain"]


def test_refuses_what_is_not_a_list():
    with pytest.raises(AnsibleFilterError, match="^mail_aliases: expected a list"):
        plan({"name": "guru"})
