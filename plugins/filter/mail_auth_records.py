# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The mail_auth_records, mail_auth_published and registrar_records filters: the SPF, DMARC and DKIM
records a mail server's domains publish, those a DNS server publishes of all the mail servers, and
the lines to create at a registrar for the domains no DNS server of the inventory serves."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError


def mail_auth_records(results, spf, policy, reports=True):
    """The records of every domain in the dkim_key ``results``."""
    if policy not in ("none", "quarantine", "reject"):
        raise AnsibleFilterError("mail_auth_records: policy must be none, quarantine or reject, not %r" % (policy,))
    records = []
    for result in results:
        if result.get("skipped") or "records" not in result:
            continue
        zone = str(result["item"]).lower().rstrip(".")
        if spf:
            records.append(dict(zone=zone, name="@", type="TXT", value=spf))
        dmarc = "v=DMARC1; p=%s" % policy + ("; rua=mailto:postmaster@%s" % zone if reports else "")
        records.append(dict(zone=zone, name="_dmarc", type="TXT", value=dmarc))
        records.extend(dict(zone=zone, name=key["name"], type="TXT", value=key["value"]) for key in result["records"])
    return records


def _records_of(variables):
    """A mail server's records: the fact of this run, else the local fact of an earlier run."""
    records = variables.get("mail_auth_records")
    if records is None:
        records = ((variables.get("ansible_local") or {}).get("tkj_mail_auth") or {}).get("records")
    return records if isinstance(records, list) else []


def mail_auth_published(hostvars, mail_hosts, dns_host, zones):
    """The records of ``mail_hosts`` that the DNS server ``dns_host`` publishes in ``zones``. Where
    ``dns_host`` is itself a mail server of a zone (an all-in-one server), that zone gets only its
    own records."""
    wanted = {str(zone).rstrip(".").lower() for zone in zones}
    by_host = {host: [record for record in _records_of(hostvars[host]) if str(record.get("zone", "")).lower() in wanted]
               for host in mail_hosts}
    own = by_host.get(dns_host, [])
    own_zones = {record["zone"] for record in own}
    published = list(own)
    for host in mail_hosts:
        if host != dns_host:
            published.extend(record for record in by_host[host] if record["zone"] not in own_zones)
    return published


def registrar_records(records, domains, served, mail_host, address=""):
    """The records of ``domains`` that no zone of ``served`` holds, as a registrar's DNS form asks for
    them: one line each, ``DOMAIN  TYPE  HOST  VALUE`` (HOST @ for the domain itself), the MX to
    ``mail_host`` first, then its A record when ``address`` is given, then SPF, DMARC and DKIM."""
    zones = {str(zone).rstrip(".").lower() for zone in served or []}
    unserved = [str(domain).rstrip(".").lower() for domain in domains if str(domain).rstrip(".").lower() not in zones]
    lines = []
    for domain in unserved:
        lines.append("%s  MX  @  10 %s." % (domain, mail_host))
        if address and mail_host.lower().endswith("." + domain):
            lines.append("%s  A  %s  %s" % (domain, mail_host[:-len(domain) - 1], address))
        lines.extend("%s  %s  %s  %s" % (domain, record["type"], record["name"], record["value"])
                     for record in records if record.get("zone") == domain)
    return lines


class FilterModule:
    """The tkj.mailserver filters defined in this file."""

    def filters(self):
        return {"mail_auth_records": mail_auth_records, "mail_auth_published": mail_auth_published,
                "registrar_records": registrar_records}
