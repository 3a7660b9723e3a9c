"""Fixtures for the school scenario: its two servers, the school's values from the inventory, the
test mail client in the school's server, and the playbooks run as the school's admin runs them."""

import os
import pathlib
import subprocess
import sys

import pytest
import testinfra

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "shared"))

from mailtests import install_probe  # noqa: E402  pylint: disable=wrong-import-position

INVENTORY = os.environ["MOLECULE_INVENTORY_FILE"]
# Pebble's root, which signs the certificates it issues (a new one each time Pebble starts), kept on
# the controller for the clients.
ACME_ROOT = pathlib.Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "acme-root.pem"


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
def acme_root(hosts):
    """Pebble's root certificate, from its management API (over the provider CA's verified TLS), on the controller."""
    pem = hosts["relay"].check_output("curl -sf --cacert /etc/ssl/certs/relay-ca.pem https://172.30.38.11:15000/roots/0")
    assert "BEGIN CERTIFICATE" in pem
    ACME_ROOT.write_text(pem + "\n", encoding="ascii")
    return ACME_ROOT


@pytest.fixture(scope="session")
def school(hosts, acme_root):
    """The school's values as the inventory gives them, with the test mail client in its server (which
    verifies the server's certificate against Pebble's root)."""
    variables = hosts["sekolah"].ansible.get_variables()
    hostname = "%s.%s" % (variables["school_mail_host"], variables["school_domain"])
    install_probe(hosts["sekolah"], ca_file=str(acme_root), server=hostname, connect="127.0.0.1")
    return {"domain": variables["school_domain"], "hostname": hostname, "users": variables["school_users"],
            "webmail": "%s.%s" % (variables["school_webmail_host"], variables["school_domain"]),
            "relayhost": variables["school_relayhost"], "relay_user": variables["school_relayhost_user"],
            "relay_password": variables["school_relayhost_password"]}
