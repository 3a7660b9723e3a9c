# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the mail_auth_records filter."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.tkj.mailserver.plugins.filter.mail_auth_records import mail_auth_published, mail_auth_records, registrar_records

KEY = {"selector": "tkj2026", "name": "tkj2026._domainkey", "value": "v=DKIM1; k=rsa; p=AAAA"}
OLD = {"selector": "tkj2025", "name": "tkj2025._domainkey", "value": "v=DKIM1; k=rsa; p=BBBB"}


def test_each_domain_publishes_spf_dmarc_and_its_keys():
    results = [{"item": "Nida.com", "records": [KEY, OLD]}, {"item": "smk-nida.sch.id", "records": [KEY]}]
    records = mail_auth_records(results, "v=spf1 mx -all", "reject")
    assert records[:4] == [
        {"zone": "nida.com", "name": "@", "type": "TXT", "value": "v=spf1 mx -all"},
        {"zone": "nida.com", "name": "_dmarc", "type": "TXT", "value": "v=DMARC1; p=reject; rua=mailto:postmaster@nida.com"},
        {"zone": "nida.com", "name": "tkj2026._domainkey", "type": "TXT", "value": KEY["value"]},
        {"zone": "nida.com", "name": "tkj2025._domainkey", "type": "TXT", "value": OLD["value"]},
    ]
    assert [r["zone"] for r in records[4:]] == ["smk-nida.sch.id"] * 3


def test_no_spf_no_reports_and_skipped_hosts():
    """An empty SPF publishes none; without reports there is no rua; a skipped task (check mode) gives nothing."""
    records = mail_auth_records([{"item": "nida.com", "records": []}, {"item": "x.test", "skipped": True}], "", "none", False)
    assert records == [{"zone": "nida.com", "name": "_dmarc", "type": "TXT", "value": "v=DMARC1; p=none"}]


def test_a_policy_outside_the_three_is_refused():
    with pytest.raises(AnsibleFilterError, match="policy must be none, quarantine or reject"):
        mail_auth_records([], "v=spf1 mx -all", "block")


SPF = {"zone": "nida.com", "name": "@", "type": "TXT", "value": "v=spf1 mx -all"}


def test_a_dns_server_publishes_the_mail_servers_records_of_its_zones():
    """A separate DNS server publishes every mail server's records of the zones it has, from this run's
    fact or, for a mail server the run left out, from the local fact an earlier run left."""
    beta = {"zone": "beta.test", "name": "_dmarc", "type": "TXT", "value": "v=DMARC1; p=none"}
    other = {"zone": "other.test", "name": "@", "type": "TXT", "value": "v=spf1 mx -all"}
    hostvars = {
        "mail-alpha": {"mail_auth_records": [SPF, other]},
        "mail-beta": {"ansible_local": {"tkj_mail_auth": {"records": [beta]}}},
        "mail-gamma": {},
        "ns1": {},
    }
    published = mail_auth_published(hostvars, ["mail-alpha", "mail-beta", "mail-gamma"], "ns1", ["Nida.com.", "beta.test"])
    assert published == [SPF, beta]


def test_an_all_in_one_server_publishes_only_its_own_records_of_its_zones():
    """Two all-in-one servers that both call themselves nida.com (the tutorial, twice) each publish
    their own key, not the other's."""
    mine = dict(SPF, name="tkj2026._domainkey", value="v=DKIM1; k=rsa; p=MINE")
    theirs = dict(SPF, name="tkj2026._domainkey", value="v=DKIM1; k=rsa; p=THEIRS")
    hostvars = {"deb12": {"mail_auth_records": [mine]}, "deb13": {"mail_auth_records": [theirs]}}
    assert mail_auth_published(hostvars, ["deb12", "deb13"], "deb12", ["nida.com"]) == [mine]
    assert mail_auth_published(hostvars, ["deb12", "deb13"], "deb13", ["nida.com"]) == [theirs]


RECORDS = [{"zone": "smk-nida.sch.id", "name": "@", "type": "TXT", "value": "v=spf1 mx -all"},
           {"zone": "smk-nida.sch.id", "name": "tkj2026._domainkey", "type": "TXT", "value": "v=DKIM1; k=rsa; p=MIIB"},
           {"zone": "nida.com", "name": "@", "type": "TXT", "value": "v=spf1 mx -all"}]


def test_registrar_records_are_the_unserved_domains_in_the_registrar_s_form():
    lines = registrar_records(RECORDS, ["smk-nida.sch.id", "nida.com"], ["nida.com"], "mail.smk-nida.sch.id", "192.0.2.25")
    assert lines == ["smk-nida.sch.id  MX  @  10 mail.smk-nida.sch.id.", "smk-nida.sch.id  A  mail  192.0.2.25",
                     "smk-nida.sch.id  TXT  @  v=spf1 mx -all", "smk-nida.sch.id  TXT  tkj2026._domainkey  v=DKIM1; k=rsa; p=MIIB"]
    # Every domain served: nothing to create elsewhere. No list of zones (the role alone): every domain.
    assert registrar_records(RECORDS, ["nida.com"], ["NIDA.com."], "mail.nida.com") == []
    assert len(registrar_records(RECORDS, ["nida.com"], None, "mail.nida.com")) == 2
    # The A record only for a mail host in the domain, when the address is known.
    assert registrar_records([], ["smk.sch.id"], [], "mail.provider.example", "192.0.2.25") == ["smk.sch.id  MX  @  10 mail.provider.example."]
