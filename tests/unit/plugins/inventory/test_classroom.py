# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the classroom inventory plugin: the class's hosts, groups and variables from a CSV or YAML
list, as ansible-inventory shows them, and each mistake in the list refused naming its line."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pytest

from ansible_collections.tkj.mailserver.plugins.plugin_utils._classroom import ClassListError, checked_students, read_csv, read_yaml

CONFIG = "plugin: tkj.mailserver.classroom\nteacher: {name: guru, address: 10.20.0.1}\nroster: %s\n"


def inventory(tmp_path, roster_name, roster_text, named=None):
    """ansible-inventory --list of a classroom.yml in ``tmp_path`` naming ``named`` (by default ``roster_name``, written with
    ``roster_text``): (exit code, JSON or error text). A list the plugin refuses fails the command (unparsed_is_failed)."""
    (tmp_path / roster_name).write_text(roster_text, encoding="utf-8")
    (tmp_path / "classroom.yml").write_text(CONFIG % (named or roster_name), encoding="utf-8")
    root = next(path for path in sys.path if path and os.path.isdir(os.path.join(path, "ansible_collections", "tkj", "mailserver")))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=root, ANSIBLE_INVENTORY_UNPARSED_FAILED="1", ANSIBLE_NOCOLOR="1")
    run = subprocess.run([str(pathlib.Path(sys.executable).with_name("ansible-inventory")), "-i", str(tmp_path / "classroom.yml"), "--list"],
                         env=env, capture_output=True, text=True, timeout=120, check=False)
    return run.returncode, (json.loads(run.stdout) if run.returncode == 0 else run.stderr)


def plain(value):
    """A value of ansible-inventory's JSON without the markers of unsafe strings."""
    if isinstance(value, dict):
        return plain(value["__ansible_unsafe"]) if set(value) == {"__ansible_unsafe"} else {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def test_a_csv_from_a_spreadsheet_makes_the_class(tmp_path):
    """Semicolons, a byte order mark, an empty line and a student without a domain (NAME.lab)."""
    code, listed = inventory(tmp_path, "siswa.csv", "\ufeffname;domain;address\nsiswa01;siswa01.lab;10.20.0.101\n\nbudi;;10.20.0.102\n")
    assert code == 0, listed
    assert sorted(listed["teacher"]["hosts"]) == ["guru"]
    assert sorted(listed["students"]["hosts"]) == ["budi", "siswa01"]
    assert sorted(listed["dns_servers"]["children"]) == ["students", "teacher"]
    assert listed["mail_servers"]["children"] == ["students"]
    hostvars = plain(listed["_meta"]["hostvars"])
    assert hostvars["budi"]["classroom_student"] == {"name": "budi", "domain": "budi.lab", "address": "10.20.0.102"}
    assert hostvars["budi"]["ansible_host"] == "10.20.0.102" and hostvars["guru"]["ansible_host"] == "10.20.0.1"
    assert hostvars["guru"]["classroom_students"] == [{"name": "siswa01", "domain": "siswa01.lab", "address": "10.20.0.101"},
                                                      {"name": "budi", "domain": "budi.lab", "address": "10.20.0.102"}]
    assert hostvars["siswa01"]["classroom_teacher"] == {"name": "guru", "address": "10.20.0.1"}
    assert hostvars["siswa01"]["classroom_parent_domain"] == "lab"


def test_a_yaml_list_makes_the_same_class_and_names_its_lines(tmp_path):
    code, listed = inventory(tmp_path, "siswa.yml", "- {name: siswa01, domain: siswa01.lab, address: 10.20.0.101}\n- {name: budi, address: 10.20.0.102}\n")
    assert code == 0, listed
    assert plain(listed["_meta"]["hostvars"]["budi"]["classroom_student"])["domain"] == "budi.lab"
    code, error = inventory(tmp_path, "siswa.yml", "- {name: siswa01, address: 10.20.0.101}\n\n- name: siswa02\n  address: 10.20.0.300\n")
    assert code != 0
    assert "siswa.yml line 3 (siswa02): address '10.20.0.300' is not an IPv4 address such as 10.20.0.101" in error


@pytest.mark.parametrize("roster, message", [
    ("name,domain,address\nsiswa01,siswa01.lab,10.20.0.101\nsiswa02,siswa01.lab,10.20.0.102\n",
     "siswa.csv line 2 (siswa01) and siswa.csv line 3 (siswa02) have the same domain siswa01.lab; give each student their own"),
    ("name,domain,address\nSiswa 01,,10.20.0.101\n",
     "siswa.csv line 2 (Siswa 01): the name is the server's inventory name and a DNS label"),
    ("nama,domain,alamat\nsiswa01,,10.20.0.101\n", "siswa.csv line 1 must name the columns: name, domain, address"),
    ("name,domain,address\nguru2,,10.20.0.1\n", "the teacher's server guru (10.20.0.1) has the name or address of student guru2"),
])
def test_a_mistake_in_the_list_is_refused_naming_its_line(tmp_path, roster, message):
    code, error = inventory(tmp_path, "siswa.csv", roster)
    assert code != 0
    assert message in " ".join(error.split())


def test_a_missing_roster_is_named(tmp_path):
    code, error = inventory(tmp_path, "siswa.csv", "name,address\n", named="absen.csv")
    assert code != 0 and "absen.csv cannot be read (No such file or directory)" in error


def test_read_csv_and_yaml_give_each_entry_its_line():
    students, places = read_csv("name,address\n\nsiswa01,10.20.0.101\nsiswa02,10.20.0.102\n", "siswa.csv", "lab")
    assert places == ["siswa.csv line 3", "siswa.csv line 4"]
    assert [student["domain"] for student in students] == ["siswa01.lab", "siswa02.lab"]
    with pytest.raises(ClassListError, match="siswa.csv line 2 has 4 fields, the header 2"):
        read_csv("name,address\nsiswa01,10.20.0.101,x,y\n", "siswa.csv", "lab")
    assert read_yaml("# the class\n- {name: a, address: 10.0.0.1}\n", "siswa.yml", "lab")[1] == ["siswa.yml line 2"]
    with pytest.raises(ClassListError, match="siswa.yml must be a list of students"):
        read_yaml("students: []\n", "siswa.yml", "lab")


def test_checked_students_refuses_a_domain_that_is_no_domain_name():
    with pytest.raises(ClassListError, match=r"classroom_students\[0\] \(siswa01\): domain 'siswa01' is not a domain name"):
        checked_students([{"name": "siswa01", "domain": "siswa01", "address": "10.20.0.101"}])
