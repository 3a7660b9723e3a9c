# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters over the roles' zone lists (dns_zones and the like): where each zone file goes, and the
fully qualified names a zone's MX and address records give. Their documentation is in the .yml
files of the same names beside this one."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

ADDRESS_TYPES = ("A", "AAAA")


def _check_zone(zone, filter_name):
    """``zone`` as a mapping with a name and a list of records, or a filter error saying what is wrong."""
    if not isinstance(zone, dict) or not isinstance(zone.get("name"), str) or not zone["name"]:
        raise AnsibleFilterError("%s: expected a zone {name, records}, got %r" % (filter_name, zone))
    records = zone.get("records", [])
    if not isinstance(records, list) or not all(isinstance(record, dict) for record in records):
        raise AnsibleFilterError("%s: the records of zone %s must be a list of mappings" % (filter_name, zone["name"]))
    return zone["name"].rstrip(".").lower(), records


def fqdn(name, origin):
    """``name`` as written in a zone file of ``origin`` (``@``, relative, or absolute with a final dot),
    as a fully qualified name without the final dot, in lower case."""
    name = str(name).strip()
    if name in ("", "@"):
        return origin
    if name.endswith("."):
        return name[:-1].lower()
    return "%s.%s" % (name.lower(), origin)


def _same_record(one, other):
    return (str(one.get("name", "@")).lower(), str(one.get("type", "")).upper(), str(one.get("value", ""))) == \
        (str(other.get("name", "@")).lower(), str(other.get("type", "")).upper(), str(other.get("value", "")))


def zone_files(zones, directory, published=None):
    """The zones as tkj.mailserver.bind_zone's ``zones`` option takes them: each with its file
    ``directory/db.NAME``; ``ttl`` and ``soa`` only where the zone has them. ``published`` records
    (``{zone, name, type, value}``, from other roles) join the zone they name, unless it has them."""
    if not isinstance(zones, list):
        raise AnsibleFilterError("zone_files: expected a list of zones, got %r" % (zones,))
    result = []
    for zone in zones:
        name, records = _check_zone(zone, "zone_files")
        records = list(records)
        for record in published or []:
            if str(record.get("zone", "")).rstrip(".").lower() != name:
                continue
            added = {key: value for key, value in record.items() if key != "zone"}
            if not any(_same_record(added, known) for known in records):
                records.append(added)
        entry = {"zone": zone["name"], "path": "%s/db.%s" % (str(directory).rstrip("/"), name), "records": records}
        entry.update({key: zone[key] for key in ("ttl", "soa") if zone.get(key) is not None})
        result.append(entry)
    return result


def mx_targets(zone):
    """The hosts the MX records of the zone's own name point to, fully qualified."""
    origin, records = _check_zone(zone, "mx_targets")
    return [fqdn(record.get("value", ""), origin) for record in records
            if str(record.get("type", "")).upper() == "MX" and fqdn(record.get("name", "@"), origin) == origin]


def address_names(zone):
    """The names that have an A or AAAA record in the zone, fully qualified."""
    origin, records = _check_zone(zone, "address_names")
    return [fqdn(record.get("name", "@"), origin) for record in records if str(record.get("type", "")).upper() in ADDRESS_TYPES]


class FilterModule:
    """The tkj.mailserver filters defined in this file."""

    def filters(self):
        return {"zone_files": zone_files, "mx_targets": mx_targets, "address_names": address_names}
