# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The classroom_dns filter: a class's DNS, the teacher's server and each student's BIND, from the list
of students. Written in Python rather than as Jinja loops in the inventory so that a wrong model, a
domain outside the parent zone or a student given twice is refused with a message naming it."""

from __future__ import annotations

DOCUMENTATION = r"""
name: classroom_dns
short_description: The DNS of a class (the teacher's zones, each student's) from its list of students
version_added: 0.11.0
author:
  - tkj.mailserver developers (@tkj-lab)
description:
  - Builds what the dns role needs on the teacher's server and on each student's server, in one of two models.
  - V(hosted) - the teacher's server is primary for every student's zone (NS C(ns) naming the teacher, C(mail) A
    the student's address, C(MX 10 mail), C(webmail) CNAME C(mail)), authoritative only. The students' servers have no zone.
  - V(delegated) - the lesson on delegation. The teacher's server is primary for the parent zone O(parent) and
    delegates each student's domain to the student's own server, with glue (C(siswa01 NS ns.siswa01) and
    C(ns.siswa01 A) the student's address). It recurses for the class (the teacher's /24 and each student's
    address outside it) and is the root of the
    class's private namespace, so that recursion follows those delegations and never leaves the class. Each
    student's server is primary for its own zone.
  - In both, a reverse zone for the teacher's /24 holds the PTR record of each student's server in it.
  - Refuses, naming the student, a student without name, domain or address, a name that is not a host name, a domain
    that is not a domain name, a name, domain or address given twice, an address that is not IPv4, and in the delegated
    model a domain that is not under O(parent).
positional: teacher, model, parent
options:
  _input:
    description: The students, each C({name, domain, address}) (the classroom inventory's C(classroom_students)).
    type: list
    elements: dict
    required: true
  teacher:
    description: The teacher's DNS server, C({name, address}).
    type: dict
    required: true
  model:
    description: The DNS model.
    type: str
    choices: [hosted, delegated]
    default: hosted
  parent:
    description: The parent zone of the students' domains in the delegated model, for example V(lab).
    type: str
    default: lab
"""

EXAMPLES = r"""
# inventories/classroom: all.yml builds the class's DNS once; teacher.yml and students.yml hand it to the dns role
# (dns_zones: "{{ classroom_dns.teacher.zones }}" on the teacher, "{{ classroom_dns.students[inventory_hostname] }}"
# on a student).
- name: Show the zones of the teacher's server in the delegated model
  ansible.builtin.debug:
    msg: "{{ (classroom_students | tkj.mailserver.classroom_dns(classroom_teacher, 'delegated', 'lab')).teacher.zones }}"
"""

RETURN = r"""
_value:
  description:
    - C(teacher) - the teacher's C(zones), C(reverse_zones), C(recursion), C(recursion_networks) and C(root_server),
      in the form of the dns role's O(tkj.mailserver.dns#role:main:dns_zones), O(tkj.mailserver.dns#role:main:dns_reverse_zones),
      O(tkj.mailserver.dns#role:main:dns_recursion), O(tkj.mailserver.dns#role:main:dns_recursion_networks) and
      O(tkj.mailserver.dns#role:main:dns_root_server).
    - C(students) - for each student's name, the zones its own server is primary for.
  type: dict
  sample:
    teacher:
      zones: [{name: lab, records: [{name: "@", type: NS, value: ns}, {name: ns, type: A, value: 10.20.0.1}]}]
      reverse_zones: []
      recursion: true
      recursion_networks: [10.20.0.0/24]
      root_server: {name: ns.lab, address: 10.20.0.1}
    students: {siswa01: []}
"""

import ipaddress

from ansible.errors import AnsibleFilterError
from ansible_collections.tkj.mailserver.plugins.plugin_utils._classroom import ClassListError, checked_students

MODELS = ("hosted", "delegated")


def _error(message):
    raise AnsibleFilterError("classroom_dns: " + message)


def _checked_students(students):
    """The students as dicts of strings (plugin_utils/_classroom.py, the check the classroom inventory plugin uses)."""
    try:
        return checked_students(students)
    except ClassListError as error:
        _error(str(error))


def _mail_zone(domain, name_server, address):
    """A student's zone: its name server, the mail host, the MX and the webmail's name."""
    return {"name": domain, "records": [
        {"name": "@", "type": "NS", "value": "ns"},
        {"name": "ns", "type": "A", "value": name_server},
        {"name": "mail", "type": "A", "value": address},
        {"name": "@", "type": "MX", "priority": 10, "value": "mail"},
        {"name": "webmail", "type": "CNAME", "value": "mail"},
    ]}


def _reverse_zones(students, teacher_address, name_server):
    """The teacher's /24 reverse zone with the PTR of each student's server in it (none for no students)."""
    if not students:
        return []
    octets = teacher_address.split(".")
    records = [{"name": "@", "type": "NS", "value": name_server + "."}]
    records += [{"name": student["address"].split(".")[3], "type": "PTR", "value": "mail.%s." % student["domain"]}
                for student in students if student["address"].split(".")[:3] == octets[:3]]
    return [{"name": ".".join(reversed(octets[:3])) + ".in-addr.arpa", "records": records}]


def _class_networks(students, teacher_address):
    """Where the class's machines are: the teacher's /24 (the teacher's own machine, running the checks, is
    usually there too), and each student's address outside it."""
    network = ipaddress.IPv4Network(teacher_address + "/24", strict=False)
    return [str(network)] + [student["address"] for student in students if ipaddress.IPv4Address(student["address"]) not in network]


def classroom_dns(students, teacher, model="hosted", parent="lab"):
    """The teacher's and the students' DNS for the class (see DOCUMENTATION)."""
    if model not in MODELS:
        _error("classroom_dns_model must be hosted or delegated, not %r" % (model,))
    if not isinstance(teacher, dict) or not isinstance(teacher.get("address"), str):
        _error("classroom_teacher needs the teacher's DNS server's address, such as {name: guru, address: 10.20.0.1}; got %r" % (teacher,))
    try:
        teacher_address = str(ipaddress.IPv4Address(teacher["address"].strip()))
    except ValueError:
        _error("classroom_teacher's address %r is not an IPv4 address such as 10.20.0.1" % teacher["address"])
    students = _checked_students(students)
    if model == "hosted":
        name_server = "ns." + students[0]["domain"] if students else ""
        return {
            "teacher": {"zones": [_mail_zone(student["domain"], teacher_address, student["address"]) for student in students],
                        "reverse_zones": _reverse_zones(students, teacher_address, name_server),
                        "recursion": False, "recursion_networks": [], "root_server": {}},
            "students": {student["name"]: [] for student in students},
        }
    parent = (parent or "").strip().lower().rstrip(".")
    if not parent:
        _error("classroom_parent_domain must name the parent zone of the students' domains, such as lab")
    outside = ["%s (%s)" % (student["domain"], student["name"]) for student in students
               if not student["domain"].endswith("." + parent)]
    if outside:
        _error("in the delegated model each student's domain is under classroom_parent_domain %s, such as siswa01.%s; "
               "these are not: %s. Rename them, or use classroom_dns_model: hosted" % (parent, parent, ", ".join(outside)))
    records = [{"name": "@", "type": "NS", "value": "ns"}, {"name": "ns", "type": "A", "value": teacher_address}]
    for student in students:
        child = student["domain"][: -len(parent) - 1]
        records += [{"name": child, "type": "NS", "value": "ns." + child},
                    {"name": "ns." + child, "type": "A", "value": student["address"]}]
    name_server = "ns." + parent
    return {
        "teacher": {"zones": [{"name": parent, "records": records}],
                    "reverse_zones": _reverse_zones(students, teacher_address, name_server),
                    "recursion": True, "recursion_networks": _class_networks(students, teacher_address),
                    "root_server": {"name": name_server, "address": teacher_address}},
        "students": {student["name"]: [_mail_zone(student["domain"], student["address"], student["address"])]
                     for student in students},
    }


class FilterModule:
    """The tkj.mailserver filters defined in this file."""

    def filters(self):
        return {"classroom_dns": classroom_dns}
