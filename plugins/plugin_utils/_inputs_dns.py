# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The dns role's settings, checked in one pass on the controller by tkj.mailserver.role_inputs: the
zones and their names, the A records' addresses, the recursion networks, the private root's name
server, and the records (each once, CNAMEs alone at their name, one SPF, DMARC or DKIM record a name,
published records in a zone of this server); each refusal with the message of the bad-input catalogue
(docs/bad-input.md). The zones are read as the role writes them (the zone_files filter's function),
the networks by the network_check filter's."""

from __future__ import annotations

import re

from ansible_collections.tkj.mailserver.plugins.filter.dns import zone_files
from ansible_collections.tkj.mailserver.plugins.filter.repeated import repeated
from ansible_collections.tkj.mailserver.plugins.module_utils._networks import check_networks

ZONE_NAME = re.compile(r"^(?=.{1,254}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$")
IPV4 = re.compile(r"^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$")
# A TXT record's kind by its start (RFC 7208, RFC 7489, RFC 6376): two at one name break the domain's checks.
POLICIES = (re.compile(r"(?i)^v=spf1( |$)"), re.compile(r"(?i)^v=DMARC1;"), re.compile(r"(?i)^v=DKIM1;"))


def host_queries(_values):
    """The dns role's settings name nothing on the host that must be there before it runs."""
    return {}


def zone_errors(values):
    """The zones given once, their names, the addresses of the A records."""
    primary = values["dns_zones"] + values["dns_reverse_zones"]
    primary_names = [zone["name"] for zone in primary]
    secondary_names = [zone["name"] for zone in values["dns_secondary_zones"]]
    errors = []
    if len(set(primary_names)) != len(primary_names) or set(primary_names) & set(secondary_names):
        errors.append("dns_zones, dns_reverse_zones and dns_secondary_zones must name each zone once (zones: %s)."
                      % (primary_names + secondary_names))
    bad_names = [name for name in primary_names + secondary_names if not ZONE_NAME.match(name)]
    if bad_names:
        errors.append("dns_zones, dns_reverse_zones and dns_secondary_zones must name domains such as nida.com or "
                      "26.26.26.in-addr.arpa (letters, digits and hyphens, dot-separated); these are not: %s." % bad_names)
    bad_addresses = [record.get("value") for zone in primary for record in zone["records"]
                     if record.get("type") == "A" and not IPV4.match(str(record.get("value")))]
    if bad_addresses:
        errors.append("A records in dns_zones need an IPv4 address such as 26.26.26.26 as value; these are not: %s." % bad_addresses)
    return errors


def server_errors(values):
    """The recursion networks and the private root's name server."""
    errors = []
    networks = check_networks(values["dns_recursion_networks"], "bind")
    if networks["invalid"]:
        errors.append("dns_recursion_networks entries must be networks such as 10.20.0.0/24 or fd00::/8 (or localnets); these are "
                      "not: %s." % networks["invalid"])
    if networks["public"] and not values["dns_allow_open_resolver"]:
        errors.append("dns_recursion_networks contains %s: every address there could use this server as its resolver (an open "
                      "resolver, abused for amplification attacks). List only your lab networks, such as 10.20.0.0/24, or set "
                      "dns_allow_open_resolver: true if you really mean it." % ", ".join(networks["public"]))
    root = values["dns_root_server"]
    if root:
        name, address = root.get("name"), root.get("address")
        short = str(name).lower().rstrip(".") if isinstance(name, str) else ""
        if not (isinstance(address, str) and ZONE_NAME.match(short) and "." in short and IPV4.match(address)):
            errors.append("dns_root_server needs this server's name, with at least two labels, and its IPv4 address, such as "
                          "{name: ns.lab, address: 10.20.0.1} (got %s); or leave it empty to keep the internet's root." % root)
    return errors


def record_errors(values):
    """Each record once, a CNAME alone at its name, published records in a zone of this server, and one
    SPF, DMARC or DKIM record a name once the published records have joined their zones."""
    errors = []
    for zone in values["dns_zones"] + values["dns_reverse_zones"]:
        twice = repeated(zone["records"])
        if twice:
            errors.append("The zone %s in dns_zones/dns_reverse_zones lists %s more than once: give each record once."
                          % (zone["name"], " ".join(str(record) for record in twice)))
        cnames = [record.get("name", "@") for record in zone["records"] if record.get("type") == "CNAME"]
        clashes = [name for name in repeated([record.get("name", "@") for record in zone["records"]]) if name in cnames]
        if clashes:
            errors.append("In the zone %s in dns_zones, %s has a CNAME and other records: a name with a CNAME can have no other "
                          "record (not even a second CNAME)." % (zone["name"], " ".join(clashes)))
    own = [zone["name"].lower().rstrip(".") for zone in values["dns_zones"]]
    strays = [name for name in dict.fromkeys(str(record["zone"]).lower().rstrip(".") for record in values["dns_published_records"])
              if name not in own]
    if strays:
        errors.append("dns_published_records has records for %s, which is not a zone in dns_zones of this server (%s): add the "
                      "zone, or publish the records on the DNS server that has it."
                      % (", ".join(strays), ", ".join(zone["name"] for zone in values["dns_zones"])))
    zones = zone_files(values["dns_zones"] + values["dns_reverse_zones"], values["dns_zone_dir"], values["dns_published_records"])
    for zone in zones:
        texts = [record for record in zone["records"] if re.match(r"(?i)^TXT$", str(record.get("type", "")))]
        clashes = [name for policy in POLICIES
                   for name in repeated([record.get("name", "@") for record in texts if policy.match(str(record.get("value", "")))])]
        if clashes:
            errors.append("In the zone %s, %s would have two SPF, DMARC or DKIM TXT records (from dns_zones and "
                          "dns_published_records): receivers then treat the domain's policy as broken, or find the wrong key. "
                          "Keep one: remove the TXT record from dns_zones, give the mail_auth role the same text (mail_auth_spf), "
                          "or give each mail server of the domain its own mail_auth_selector." % (zone["zone"], " ".join(clashes)))
    return errors


def check(values, _host, _hostname):
    """Every check of the role's settings: (errors, warnings)."""
    return zone_errors(values) + server_errors(values) + record_errors(values), []
