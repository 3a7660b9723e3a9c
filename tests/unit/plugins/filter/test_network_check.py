# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the network_check filter (module_utils/_networks.py)."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.tkj.mailserver.plugins.filter.network_check import network_check


@pytest.mark.parametrize("networks", [
    ["0.0.0.0/0"], ["0.0.0.0/00"], ["0.0.0.0/1", "128.0.0.0/1"], ["26.26.26.0/24"], ["8.8.8.8"],
    ["[::]/0"], ["[2001:db8::]/32"], ["172.0.0.0/8"], ["10.0.0.0/7"]])
def test_postfix_networks_beyond_local_space_are_public(networks):
    """Every spelling of every address, half the internet, a public /24, a public host and a network that holds
    private space but reaches past it: each is public."""
    assert network_check(networks, "postfix") == {"invalid": [], "public": networks}


def test_postfix_local_networks_pass():
    """Private, loopback and link-local networks, IPv4 and bracketed IPv6, hosts and prefixes."""
    local = ["10.20.0.0/24", "172.16.0.0/12", "192.168.10.5", "127.0.0.0/8", "169.254.0.0/16",
             "[::1]/128", "[::1]", "[fd00:1::]/64", "[fe80::]/10"]
    assert network_check(local, "postfix") == {"invalid": [], "public": []}


def test_postfix_entries_that_are_not_networks_are_invalid():
    """Names, tables, host bits under the prefix, IPv6 without brackets, an IPv4 address in brackets, 0/0:
    each is reported once, as invalid, not as public."""
    entries = ["lab-network", "hash:/etc/postfix/network_table", "192.168.10.5/24", "2001:db8::/32",
               "[10.0.0.1]", "0/0", "26.26.26.256", "[::1]64"]
    assert network_check(entries + ["10.0.0.0/8"], "postfix") == {"invalid": entries, "public": []}


def test_bind_address_match_lists():
    """any is every address; BIND's other named lists and negated elements only narrow; prefixes as BIND writes them."""
    entries = ["any", "ANY", "none", "localhost", "localnets", "!8.8.8.8", "10.20.0.0/24", "2001:db8::/32", "fd00::/8", "1.2.3.4"]
    assert network_check(entries, "bind") == {"invalid": [], "public": ["any", "ANY", "2001:db8::/32", "1.2.3.4"]}
    assert network_check(["lab-acl", "!lab-acl", "10.20.0.1/24", "[::1]"], "bind") == {
        "invalid": ["lab-acl", "!lab-acl", "10.20.0.1/24", "[::1]"], "public": []}


def test_network_check_refuses_what_it_cannot_read():
    """A string instead of a list, and a syntax it does not know, are errors naming the filter."""
    with pytest.raises(AnsibleFilterError, match="^network_check: expected a list of networks, got str"):
        network_check("10.0.0.0/8", "postfix")
    with pytest.raises(AnsibleFilterError, match="^network_check: syntax must be one of postfix, bind, got cisco"):
        network_check([], "cisco")
