# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A class's list of students, as the classroom inventory plugin reads it from the teacher's file and as
the classroom_dns filter takes it: each student a name (the server's inventory name), a domain and an
address, none given twice. One check for both, so that the list a teacher writes is judged the same
wherever it comes from; a message names where the entry is (``classroom_students[2]`` or
``siswa.csv line 4``).

The CSV is read with Python's csv module, which also takes the semicolons a spreadsheet in an
Indonesian locale writes between fields."""

from __future__ import annotations

import csv
import ipaddress
import re

import yaml

FIELDS = ("name", "domain", "address")
# A student's name is an inventory host name and a DNS label (siswa01.lab by default).
NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9]$")


class ClassListError(ValueError):
    """A list of students that a class cannot be made from; the message names the entry and the fix."""


def checked_students(students, places=None):
    """The students as dicts of stripped strings (domains lower case, without the final dot); refuses
    an entry without name, domain or address, a name that is no host name, a domain that is no domain
    name, an address that is not IPv4, and a name, domain or address given twice. ``places`` names each
    entry in the messages (by default ``classroom_students[INDEX]``)."""
    if not isinstance(students, (list, tuple)):
        raise ClassListError("classroom_students must be a list of {name, domain, address}, got %s" % type(students).__name__)
    places = places or ["classroom_students[%d]" % index for index in range(len(students))]
    checked, seen = [], {field: {} for field in FIELDS}
    for place, student in zip(places, students):
        if not isinstance(student, dict) or any(not isinstance(student.get(field), str) or not student[field].strip() for field in FIELDS):
            raise ClassListError("%s needs a name, a domain and an address, such as "
                                 "{name: siswa01, domain: siswa01.lab, address: 10.20.0.101}; got %r" % (place, student))
        entry = {field: student[field].strip() for field in FIELDS}
        entry["domain"] = entry["domain"].lower().rstrip(".")
        where = "%s (%s)" % (place, entry["name"])
        if not NAME.match(entry["name"]):
            raise ClassListError("%s: the name is the server's inventory name and a DNS label: lower case letters, digits and "
                                 "hyphens, such as siswa01" % where)
        if not DOMAIN.match(entry["domain"]):
            raise ClassListError("%s: domain %r is not a domain name such as siswa01.lab" % (where, entry["domain"]))
        try:
            ipaddress.IPv4Address(entry["address"])
        except ValueError:
            raise ClassListError("%s: address %r is not an IPv4 address such as 10.20.0.101" % (where, entry["address"])) from None
        for field in FIELDS:
            if entry[field] in seen[field]:
                raise ClassListError("%s and %s have the same %s %s; give each student their own"
                                     % (seen[field][entry[field]], where, field, entry[field]))
            seen[field][entry[field]] = where
        checked.append(entry)
    return checked


def read_csv(text, source, parent):
    """The students of a CSV file's ``text`` (a header line naming name, address and, optionally, domain;
    commas or semicolons between fields) with the place of each (``source`` line N). A student without a
    domain gets NAME.``parent``. Empty lines are skipped."""
    lines = text.lstrip("\ufeff").splitlines()
    try:
        dialect = csv.Sniffer().sniff(lines[0] if lines else "", delimiters=",;")
    except csv.Error:
        dialect = csv.excel
    rows = csv.reader(lines, dialect)
    header = [field.strip().lower() for field in next(rows, [])]
    missing = [field for field in ("name", "address") if field not in header]
    if missing:
        raise ClassListError("%s line 1 must name the columns: name, domain, address (domain may be left out); it has no %s"
                             % (source, " and no ".join(missing)))
    students, places = [], []
    for number, row in enumerate(rows, start=2):
        if not any(field.strip() for field in row):
            continue
        if len(row) > len(header):
            raise ClassListError("%s line %d has %d fields, the header %d: %s" % (source, number, len(row), len(header), ",".join(row)))
        student = dict(zip(header, (field.strip() for field in row)))
        students.append(with_domain(student, parent))
        places.append("%s line %d" % (source, number))
    return students, places


def read_yaml(text, source, parent):
    """The students of a YAML file's ``text``, a list of {name, domain, address} (domain optional), with the
    place of each (``source`` line N, where its entry starts)."""
    try:
        node = yaml.compose(text)
        students = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ClassListError("%s is not YAML: %s" % (source, error)) from None
    if not isinstance(students, list) or not isinstance(node, yaml.SequenceNode):
        raise ClassListError("%s must be a list of students, each {name: siswa01, domain: siswa01.lab, address: 10.20.0.101}" % source)
    places = ["%s line %d" % (source, item.start_mark.line + 1) for item in node.value]
    return [with_domain(student, parent) for student in students], places


def with_domain(student, parent):
    """``student`` with its domain: the one given, or NAME.``parent``."""
    if isinstance(student, dict) and not str(student.get("domain") or "").strip() and isinstance(student.get("name"), str) and parent:
        return dict(student, domain="%s.%s" % (student["name"].strip(), parent))
    return student
