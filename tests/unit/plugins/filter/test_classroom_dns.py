# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the classroom_dns filter: the class's DNS in both models, and what it refuses."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.tkj.mailserver.plugins.filter.classroom_dns import classroom_dns
from ansible_collections.tkj.mailserver.plugins.module_utils._zone import check_records

TEACHER = {"name": "guru", "address": "10.20.0.1"}
STUDENTS = [
    {"name": "siswa01", "domain": "siswa01.lab", "address": "10.20.0.101"},
    {"name": "siswa02", "domain": "Siswa02.lab.", "address": "10.20.0.102"},
    # A student's own machine on another network: no PTR in the teacher's /24.
    {"name": "budi", "domain": "budi.lab", "address": "192.168.7.5"},
]


def mail_zone(domain, name_server, address):
    return {"name": domain, "records": [
        {"name": "@", "type": "NS", "value": "ns"},
        {"name": "ns", "type": "A", "value": name_server},
        {"name": "mail", "type": "A", "value": address},
        {"name": "@", "type": "MX", "priority": 10, "value": "mail"},
        {"name": "webmail", "type": "CNAME", "value": "mail"},
    ]}


def test_hosted_puts_every_students_zone_on_the_teacher():
    dns = classroom_dns(STUDENTS, TEACHER, "hosted")
    assert dns["teacher"]["zones"] == [
        mail_zone("siswa01.lab", "10.20.0.1", "10.20.0.101"),
        mail_zone("siswa02.lab", "10.20.0.1", "10.20.0.102"),
        mail_zone("budi.lab", "10.20.0.1", "192.168.7.5"),
    ]
    assert dns["teacher"]["reverse_zones"] == [{"name": "0.20.10.in-addr.arpa", "records": [
        {"name": "@", "type": "NS", "value": "ns.siswa01.lab."},
        {"name": "101", "type": "PTR", "value": "mail.siswa01.lab."},
        {"name": "102", "type": "PTR", "value": "mail.siswa02.lab."},
    ]}]
    assert (dns["teacher"]["recursion"], dns["teacher"]["recursion_networks"], dns["teacher"]["root_server"]) == (False, [], {})
    assert dns["students"] == {"siswa01": [], "siswa02": [], "budi": []}


def test_delegated_delegates_each_domain_with_glue_and_makes_the_teacher_the_root():
    dns = classroom_dns(STUDENTS, TEACHER, "delegated", "lab")
    assert dns["teacher"]["zones"] == [{"name": "lab", "records": [
        {"name": "@", "type": "NS", "value": "ns"},
        {"name": "ns", "type": "A", "value": "10.20.0.1"},
        {"name": "siswa01", "type": "NS", "value": "ns.siswa01"},
        {"name": "ns.siswa01", "type": "A", "value": "10.20.0.101"},
        {"name": "siswa02", "type": "NS", "value": "ns.siswa02"},
        {"name": "ns.siswa02", "type": "A", "value": "10.20.0.102"},
        {"name": "budi", "type": "NS", "value": "ns.budi"},
        {"name": "ns.budi", "type": "A", "value": "192.168.7.5"},
    ]}]
    assert dns["teacher"]["reverse_zones"][0]["records"][0] == {"name": "@", "type": "NS", "value": "ns.lab."}
    assert dns["teacher"]["recursion"] is True
    # The class's network, and the student outside it.
    assert dns["teacher"]["recursion_networks"] == ["10.20.0.0/24", "192.168.7.5"]
    assert dns["teacher"]["root_server"] == {"name": "ns.lab", "address": "10.20.0.1"}
    # Each student's BIND is primary for its own zone, naming itself.
    assert dns["students"] == {
        "siswa01": [mail_zone("siswa01.lab", "10.20.0.101", "10.20.0.101")],
        "siswa02": [mail_zone("siswa02.lab", "10.20.0.102", "10.20.0.102")],
        "budi": [mail_zone("budi.lab", "192.168.7.5", "192.168.7.5")],
    }


@pytest.mark.parametrize("model", ["hosted", "delegated"])
def test_the_zones_are_ones_bind_zone_takes(model):
    """Every zone built passes the bind_zone module's own record checks (names inside the zone, glue)."""
    dns = classroom_dns(STUDENTS, TEACHER, model)
    zones = dns["teacher"]["zones"] + dns["teacher"]["reverse_zones"] + [zone for zones in dns["students"].values() for zone in zones]
    for zone in zones:
        records = [dict({"ttl": None, "priority": None}, **record) for record in zone["records"]]
        rendered, errors = check_records(records, zone["name"])
        assert errors == [] and len(rendered) == len(records), (zone["name"], errors)


def test_no_students_gives_no_zones():
    assert classroom_dns([], TEACHER) == {
        "teacher": {"zones": [], "reverse_zones": [], "recursion": False, "recursion_networks": [], "root_server": {}},
        "students": {},
    }


@pytest.mark.parametrize("students, teacher, model, message", [
    (STUDENTS, TEACHER, "delegate", "classroom_dns_model must be hosted or delegated, not 'delegate'"),
    (STUDENTS, {"name": "guru"}, "hosted", "classroom_teacher needs the teacher's DNS server's address"),
    (STUDENTS, {"name": "guru", "address": "guru.lab"}, "hosted", "classroom_teacher's address 'guru.lab' is not an IPv4 address"),
    ({"siswa01": "siswa01.lab"}, TEACHER, "hosted", "classroom_students must be a list of {name, domain, address}, got dict"),
    ([{"name": "siswa01", "domain": "siswa01.lab"}], TEACHER, "hosted", r"classroom_students\[0\] needs a name, a domain and an address"),
    ([{"name": "siswa01", "domain": "siswa01.lab", "address": "10.20.0.300"}], TEACHER, "hosted",
     r"classroom_students\[0\] \(siswa01\): address '10.20.0.300' is not an IPv4 address"),
    (STUDENTS + [{"name": "siswa04", "domain": "siswa01.lab", "address": "10.20.0.104"}], TEACHER, "hosted",
     r"classroom_students\[0\] \(siswa01\) and classroom_students\[3\] \(siswa04\) have the same domain siswa01.lab; "
     "give each student their own"),
    (STUDENTS + [{"name": "siswa04", "domain": "siswa04.lab", "address": "10.20.0.101"}], TEACHER, "hosted",
     r"classroom_students\[0\] \(siswa01\) and classroom_students\[3\] \(siswa04\) have the same address 10.20.0.101"),
    (STUDENTS + [{"name": "ani", "domain": "ani.com", "address": "10.20.0.110"}], TEACHER, "delegated",
     r"in the delegated model each student's domain is under classroom_parent_domain lab, such as siswa01.lab; "
     r"these are not: ani.com \(ani\). Rename them, or use classroom_dns_model: hosted"),
])
def test_classroom_dns_refuses_what_it_cannot_build_zones_from(students, teacher, model, message):
    with pytest.raises(AnsibleFilterError, match="^classroom_dns: " + message):
        classroom_dns(students, teacher, model)


def test_a_domain_outside_the_parent_is_fine_when_the_teacher_hosts_it():
    students = STUDENTS + [{"name": "ani", "domain": "ani.com", "address": "10.20.0.110"}]
    assert classroom_dns(students, TEACHER, "hosted")["teacher"]["zones"][-1]["name"] == "ani.com"
