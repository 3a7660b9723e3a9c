"""Fixtures for the classroom scenario: each student's server by name, with its domain, address,
users and the mail client installed, and the teacher's DNS server."""

import os
import pathlib
import subprocess
import sys

import pytest
import testinfra
import yaml

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "shared"))

from mailtests import class_inventory as read_class_inventory, install_probe, lab_ca_file  # noqa: E402  pylint: disable=wrong-import-position

INVENTORY = os.environ["MOLECULE_INVENTORY_FILE"]
SCENARIO = pathlib.Path(os.environ["MOLECULE_SCENARIO_DIRECTORY"])
# The class's list, made into hosts and variables by the classroom inventory plugin.
CLASS_INVENTORY = SCENARIO / "class" / "classroom.yml"
# Each student's mail passwords, made once beside the inventory (inventories/classroom: students.yml).
PASSWORDS = pathlib.Path(INVENTORY).parent / ".class-passwords"


def scenario_vars(path):
    return yaml.safe_load((SCENARIO / path).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def class_inventory():
    """ansible-inventory --list of the class's list alone (the plugin's hosts, groups and variables)."""
    return read_class_inventory(CLASS_INVENTORY)


@pytest.fixture(scope="session")
def dns_model():
    """The class's DNS model now: hosted after the converge, delegated once the side effect
    (delegate.yml) has turned the class to it and said so."""
    marker = pathlib.Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "classroom_dns_model"
    return marker.read_text(encoding="utf-8").strip() if marker.exists() else "hosted"


@pytest.fixture(scope="session")
def teacher():
    return testinfra.get_host("ansible://guru?ansible_inventory=%s" % INVENTORY)


@pytest.fixture(scope="session")
def students(class_inventory):
    """{name: {host, domain, address, users}} for each student of the scenario's class, the mail client
    on their server talking to their own mail host over loopback and verifying its certificate
    against the class CA."""
    values = scenario_vars("group_vars/all/test.yml")
    result = {}
    for student in class_inventory["_meta"]["hostvars"]["guru"]["classroom_students"]:
        host = testinfra.get_host("ansible://%s?ansible_inventory=%s" % (student["name"], INVENTORY))
        install_probe(host, ca_file=lab_ca_file(INVENTORY), server="mail." + student["domain"], connect="127.0.0.1")
        users = [{"name": user["name"], "password": (PASSWORDS / ("%s.%s" % (student["name"], user["name"]))).read_text(encoding="utf-8").strip()}
                 for user in values["classroom_users"]]
        result[student["name"]] = dict(student, host=host, users=users)
    return result


@pytest.fixture(scope="session")
def run_check(class_inventory):
    """Run ansible-playbook tkj.mailserver.check from the teacher's server (as the teacher's own
    machine would), asking the teacher's DNS; returns (exit code, output), results as JSON."""
    teacher_address = class_inventory["_meta"]["hostvars"]["guru"]["classroom_teacher"]["address"]

    def run():
        env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", ANSIBLE_CALLBACK_RESULT_FORMAT="json")
        result = subprocess.run([str(pathlib.Path(sys.executable).with_name("ansible-playbook")), "-i", INVENTORY,
                                 "-i", str(CLASS_INVENTORY), "tkj.mailserver.check", "-e", "check_from=guru",
                                 "-e", '{"check_dns_servers": ["%s"]}' % teacher_address],
                                env=env, capture_output=True, text=True, timeout=900, check=False)
        return result.returncode, result.stdout + result.stderr

    return run
