# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The classroom inventory plugin: a class's hosts, groups and variables from one list of students.

Why an inventory plugin: it is Ansible's own way to turn a file into hosts and groups, so that each
student's name is written once, in the teacher's list, and a mistake in that list is refused naming
its line before any playbook runs (a hosts.yml and a list in group_vars could disagree)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: classroom
short_description: A class's servers from one list of students (CSV or YAML)
version_added: 0.14.0
author:
  - tkj.mailserver developers (@tkj-lab)
description:
  - Reads the teacher's list of students, a CSV file (from the school's roster, saved by a spreadsheet) or YAML, and
    makes the class's inventory from it. Each name is written once.
  - The hosts are the teacher's DNS server (group C(teacher)) and one server per student (group C(students)); the
    groups C(dns_servers) (both), C(mail_servers) and, with O(webmail), C(webmail_servers) (the students) are those
    C(tkj.mailserver.site) runs.
  - Each host gets C(ansible_host), its address; each student C(classroom_student), its entry of the list. Every host
    gets C(classroom_teacher), C(classroom_students) and C(classroom_parent_domain), from which
    C(inventories/classroom/group_vars) derives the rest.
  - Refuses the list, naming its file and line, when an entry has no name or address, a name is not a host name, a
    domain is not a domain name, an address is not IPv4, or a name, domain or address is given twice.
  - The list must not be in a directory given to C(-i) as a whole (Ansible would read a CSV file there as an INI
    inventory), so give the configuration file itself, C(-i inventories/classroom/classroom.yml).
options:
  plugin:
    description: The name of this plugin, so that Ansible knows the file is its configuration.
    type: str
    required: true
    choices: [tkj.mailserver.classroom]
  teacher:
    description: The teacher's DNS server, C({name, address}).
    type: dict
    required: true
  roster:
    description:
      - The list of students, a file relative to this configuration file. CSV (C(.csv)) has a header line with the
        columns C(name), C(address) and, optionally, C(domain), separated by commas or semicolons. YAML (C(.yml),
        C(.yaml)) is a list of C({name, domain, address}).
      - A student without a domain gets C(NAME.)O(parent_domain).
      - Give either O(roster) or O(students).
    type: str
  students:
    description: The list of students in this file, each C({name, domain, address}) (C(domain) optional).
    type: list
    elements: dict
  webmail:
    description:
      - Each student's server also serves Roundcube, at C(webmail.DOMAIN) (group C(webmail_servers)), as the
        curriculum continues after the tutorial.
    type: bool
    default: true
    version_added: 0.14.0
  parent_domain:
    description:
      - The class's parent domain, C(classroom_parent_domain). A student without a domain of their own gets
        C(NAME.)O(parent_domain); in the delegated DNS model every student's domain must be under it.
    type: str
    default: lab
"""

EXAMPLES = r"""
# inventories/classroom/classroom.yml, with siswa.csv beside it:
#   name,domain,address
#   siswa01,siswa01.lab,10.20.0.101
#   siswa02,,10.20.0.102
plugin: tkj.mailserver.classroom
teacher: {name: guru, address: 10.20.0.1}
roster: siswa.csv
parent_domain: lab
"""

import os

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin

from ansible_collections.tkj.mailserver.plugins.plugin_utils._classroom import (
    ClassListError, checked_students, read_csv, read_yaml, with_domain)


class InventoryModule(BaseInventoryPlugin):
    """The class from the teacher's list (see DOCUMENTATION)."""

    NAME = "tkj.mailserver.classroom"

    def verify_file(self, path):
        return super().verify_file(path) and path.endswith(("classroom.yml", "classroom.yaml"))

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)
        parent = (self.get_option("parent_domain") or "").strip().lower().rstrip(".")
        try:
            students, places = self._students(path, parent)
            teacher = self._teacher(path)
            students = checked_students(students, places)
        except ClassListError as error:
            raise AnsibleParserError("tkj.mailserver.classroom: %s" % error) from None
        clash = [student["name"] for student in students if teacher["name"] == student["name"] or teacher["address"] == student["address"]]
        if clash:
            raise AnsibleParserError("tkj.mailserver.classroom: the teacher's server %s (%s) has the name or address of student %s; "
                                     "give the teacher's DNS server its own" % (teacher["name"], teacher["address"], clash[0]))
        self._add_class(teacher, students, parent)

    def _students(self, path, parent):
        """The students and the place of each in the teacher's list."""
        roster, inline = self.get_option("roster"), self.get_option("students")
        if bool(roster) == bool(inline):
            raise ClassListError("%s: give the students either in a file (roster: siswa.csv) or in the list students, one of them"
                                 % os.path.basename(path))
        if inline:
            students = [with_domain(student, parent) for student in inline]
            return students, ["%s students[%d]" % (os.path.basename(path), index) for index in range(len(students))]
        roster = os.path.join(os.path.dirname(path), os.path.expanduser(roster))
        try:
            with open(roster, encoding="utf-8-sig") as stream:
                text = stream.read()
        except OSError as error:
            raise ClassListError("roster %s cannot be read (%s): put the list of students there, or correct roster in %s"
                                 % (roster, error.strerror, os.path.basename(path))) from None
        if roster.endswith((".yml", ".yaml")):
            return read_yaml(text, os.path.basename(roster), parent)
        return read_csv(text, os.path.basename(roster), parent)

    def _teacher(self, path):
        """The teacher's server, checked as a student is (its domain is not used)."""
        teacher = self.get_option("teacher")
        if not isinstance(teacher, dict):
            raise ClassListError("%s: teacher must be the teacher's DNS server, {name: guru, address: 10.20.0.1}" % os.path.basename(path))
        return checked_students([dict(teacher, domain="teacher.invalid")], ["%s teacher" % os.path.basename(path)])[0]

    def _add_class(self, teacher, students, parent):
        """The groups, the hosts and their variables."""
        for group in ("teacher", "students", "dns_servers", "mail_servers"):
            self.inventory.add_group(group)
        self.inventory.add_child("dns_servers", "teacher")
        self.inventory.add_child("dns_servers", "students")
        self.inventory.add_child("mail_servers", "students")
        if self.get_option("webmail"):
            self.inventory.add_group("webmail_servers")
            self.inventory.add_child("webmail_servers", "students")
        self.inventory.add_host(teacher["name"], group="teacher")
        self.inventory.set_variable(teacher["name"], "ansible_host", teacher["address"])
        for student in students:
            self.inventory.add_host(student["name"], group="students")
            self.inventory.set_variable(student["name"], "ansible_host", student["address"])
            self.inventory.set_variable(student["name"], "classroom_student", student)
        self.inventory.set_variable("all", "classroom_teacher", {"name": teacher["name"], "address": teacher["address"]})
        self.inventory.set_variable("all", "classroom_students", students)
        self.inventory.set_variable("all", "classroom_parent_domain", parent)
