# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the mail_auth_records filter."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.tkj.mailserver.plugins.filter.mail_auth_records import mail_auth_records

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
