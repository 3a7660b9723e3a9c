# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the zone filters: zone_files, mx_targets, address_names."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.tkj.mailserver.plugins.filter.dns import FilterModule, address_names, mx_targets, zone_files

NIDA = {
    "name": "nida.com",
    "records": [
        {"name": "@", "type": "NS", "value": "mail"},
        {"name": "mail", "type": "A", "value": "26.26.26.26"},
        {"type": "MX", "priority": 10, "value": "mail"},
        {"name": "nida.com.", "type": "MX", "priority": 20, "value": "backup.example.invalid."},
        {"name": "www", "type": "MX", "priority": 10, "value": "mail"},
        {"name": "Web.nida.com.", "type": "AAAA", "value": "2001:db8::1"},
        {"name": "@", "type": "A", "value": "26.26.26.27"},
    ],
}


def test_zone_files_gives_each_zone_its_file():
    """Each zone becomes {zone, path, records}, the path DIRECTORY/db.NAME, ttl and soa only where given."""
    zones = [NIDA, {"name": "26.26.26.in-addr.arpa.", "records": [], "ttl": 600, "soa": {"refresh": 900}}]
    assert zone_files(zones, "/etc/bind/zones/") == [
        {"zone": "nida.com", "path": "/etc/bind/zones/db.nida.com", "records": NIDA["records"]},
        {"zone": "26.26.26.in-addr.arpa.", "path": "/etc/bind/zones/db.26.26.26.in-addr.arpa", "records": [],
         "ttl": 600, "soa": {"refresh": 900}},
    ]


def test_published_records_join_their_zone_once():
    """A published record joins the zone it names (case and final dot aside), not other zones; one the
    zone already has (same name, type and text) is not added twice."""
    published = [
        {"zone": "Nida.com.", "name": "@", "type": "TXT", "value": "v=spf1 mx -all"},
        {"zone": "nida.com", "name": "_dmarc", "type": "TXT", "value": "v=DMARC1; p=reject"},
        {"zone": "nida.com", "name": "mail", "type": "A", "value": "26.26.26.26"},
        {"zone": "beta.test", "name": "_dmarc", "type": "TXT", "value": "v=DMARC1; p=none"},
    ]
    zones = [NIDA, {"name": "other.test", "records": []}]
    nida, other = zone_files(zones, "/z", published)
    assert nida["records"] == NIDA["records"] + [
        {"name": "@", "type": "TXT", "value": "v=spf1 mx -all"},
        {"name": "_dmarc", "type": "TXT", "value": "v=DMARC1; p=reject"},
    ]
    assert other["records"] == []
    assert NIDA["records"][-1] == {"name": "@", "type": "A", "value": "26.26.26.27"}


def test_mx_targets_are_those_of_the_zone_name_fully_qualified():
    """Relative targets take the zone's name, absolute ones lose the final dot; an MX of another name does not count."""
    assert mx_targets(NIDA) == ["mail.nida.com", "backup.example.invalid"]


def test_address_names_are_the_owners_of_a_and_aaaa_records():
    """@ is the zone's name, relative names take it, absolute names lose the final dot, all in lower case."""
    assert address_names(NIDA) == ["mail.nida.com", "web.nida.com", "nida.com"]


@pytest.mark.parametrize("bad", [None, "nida.com", {"records": []}, {"name": "nida.com", "records": "mail"}])
def test_a_zone_that_is_not_a_zone_is_refused(bad):
    """Something that is not {name, records} is a filter error naming the filter."""
    for name, function in (("mx_targets", mx_targets), ("address_names", address_names)):
        with pytest.raises(AnsibleFilterError, match="^%s: " % name):
            function(bad)
    with pytest.raises(AnsibleFilterError, match="^zone_files: "):
        zone_files([bad], "/etc/bind/zones")


def test_filter_module_exposes_the_filters():
    """FilterModule maps each name to its function."""
    assert FilterModule().filters() == {"zone_files": zone_files, "mx_targets": mx_targets, "address_names": address_names}
