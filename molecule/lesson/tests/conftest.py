"""Fixtures for the lesson scenario: the playbooks as the teacher runs them on the class (the
scenario's inventory and the class's list), and the check's report as rows per server."""

import csv
import io
import os
import pathlib
import re
import subprocess
import sys

import pytest
import testinfra

INVENTORY = os.environ["MOLECULE_INVENTORY_FILE"]
SCENARIO = pathlib.Path(os.environ["MOLECULE_SCENARIO_DIRECTORY"])
CLASS_INVENTORY = SCENARIO / "class" / "classroom.yml"
PASSWORDS = pathlib.Path(INVENTORY).parent / ".class-passwords"
REPORT_LINE = re.compile(r"Report: (/\S+)\.html and (/\S+)\.csv")
STUDENTS = {"murid01": "murid01.lab", "murid02": "murid02.lab"}


def playbook(name, *args):
    """ansible-playbook tkj.mailserver.NAME on the class, as the teacher runs it: (exit code, output)."""
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    result = subprocess.run([str(pathlib.Path(sys.executable).with_name("ansible-playbook")), "-i", INVENTORY, "-i", str(CLASS_INVENTORY),
                             "tkj.mailserver." + name] + list(args), env=env, capture_output=True, text=True, timeout=1200, check=False)
    return result.returncode, result.stdout + result.stderr


def recap_changed(output):
    """The sum of changed= over the play recap."""
    return sum(int(count) for count in re.findall(r"changed=([0-9]+)", output))


def check(*args):
    """tkj.mailserver.check from the teacher's server: (exit code, output, {server: [rows]}), the rows
    from the report it kept (CSV: check, result, seen, fix)."""
    code, output = playbook("check", "-e", "check_from=pengajar", *args)
    match = REPORT_LINE.search(output)
    assert match, output
    rows = {}
    for line in csv.DictReader(io.StringIO(pathlib.Path(match.group(2) + ".csv").read_text(encoding="utf-8"))):
        rows.setdefault(line["server"], []).append(line)
    return code, output, rows


def found(rows, check_name):
    """The rows of one check."""
    return [item for item in rows if item["check"] == check_name]


@pytest.fixture(scope="session")
def host():
    """A student's or the teacher's server by name."""
    return lambda name: testinfra.get_host("ansible://%s?ansible_inventory=%s" % (name, INVENTORY))
