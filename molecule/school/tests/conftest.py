"""Fixtures for the school scenario: its two servers, the school's values from the inventory, the
test mail client in the school's server, and the playbooks run as the school's admin runs them."""

import os
import pathlib
import subprocess
import sys

import pytest
import testinfra

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "shared"))

from mailtests import install_probe, lab_ca_file  # noqa: E402  pylint: disable=wrong-import-position

INVENTORY = os.environ["MOLECULE_INVENTORY_FILE"]


def playbook(name, *args):
    """ansible-playbook tkj.mailserver.NAME on the scenario's inventory: (exit code, output), the results
    as JSON (the check's tables are read from them)."""
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", ANSIBLE_CALLBACK_RESULT_FORMAT="json")
    result = subprocess.run([str(pathlib.Path(sys.executable).with_name("ansible-playbook")), "-i", INVENTORY, "tkj.mailserver." + name]
                            + list(args), env=env, capture_output=True, text=True, timeout=900, check=False)
    return result.returncode, result.stdout + result.stderr


@pytest.fixture(scope="session")
def hosts():
    """The school's server and the provider's relay."""
    return {name: testinfra.get_host("ansible://%s?ansible_inventory=%s" % (name, INVENTORY)) for name in ("sekolah", "relay")}


@pytest.fixture(scope="session")
def school(hosts):
    """The school's values as the inventory gives them, with the test mail client in its server."""
    variables = hosts["sekolah"].ansible.get_variables()
    hostname = "%s.%s" % (variables["school_mail_host"], variables["school_domain"])
    install_probe(hosts["sekolah"], ca_file=lab_ca_file(INVENTORY), server=hostname, connect="127.0.0.1")
    return {"domain": variables["school_domain"], "hostname": hostname, "users": variables["school_users"],
            "relayhost": variables["school_relayhost"], "relay_user": variables["school_relayhost_user"],
            "relay_password": variables["school_relayhost_password"]}
