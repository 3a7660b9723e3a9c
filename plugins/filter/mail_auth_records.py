# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The mail_auth_records filter: the SPF, DMARC and DKIM records a mail server's domains publish."""

from __future__ import annotations

DOCUMENTATION = r"""
name: mail_auth_records
short_description: The SPF, DMARC and DKIM TXT records of a mail server's domains, for the dns role
version_added: 0.7.0
author:
- tkj.mailserver developers (@tkj-lab)
description:
- Takes the registered results of M(tkj.mailserver.dkim_key), one per domain (looped over the domains),
  and returns the TXT records each domain's zone publishes, in the form of the dns role's
  C(dns_published_records).
- Per domain, in this order, the SPF record at the zone's apex (unless O(spf) is empty), the DMARC record
  at C(_dmarc) with reports to C(postmaster@DOMAIN) (when O(reports)), and the DKIM keys the module returned.
options:
  _input:
    description: The C(results) of a looped M(tkj.mailserver.dkim_key) task; each C(item) is the domain.
    type: list
    elements: dict
    required: true
  spf:
    description: The SPF record, for example V(v=spf1 mx -all); empty for none.
    type: str
    required: true
  policy:
    description: The DMARC policy, V(none), V(quarantine) or V(reject).
    type: str
    required: true
  reports:
    description: Whether the DMARC record asks for aggregate reports (C(rua)) to the domain's postmaster.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: The records for the DNS servers
  ansible.builtin.set_fact:
    mail_auth_records: "{{ keys.results | tkj.mailserver.mail_auth_records('v=spf1 mx -all', 'reject') }}"
"""

RETURN = r"""
_value:
  description: The records, C({zone, name, type, value}), C(zone) being the domain.
  type: list
  elements: dict
  sample:
    - {zone: nida.com, name: "@", type: TXT, value: "v=spf1 mx -all"}
    - {zone: nida.com, name: _dmarc, type: TXT, value: "v=DMARC1; p=reject; rua=mailto:postmaster@nida.com"}
    - {zone: nida.com, name: tkj2026._domainkey, type: TXT, value: "v=DKIM1; k=rsa; p=MIIBIjANBg..."}
"""

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


class FilterModule:
    """The tkj.mailserver filters defined in this file."""

    def filters(self):
        return {"mail_auth_records": mail_auth_records}
