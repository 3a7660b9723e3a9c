"""Fixtures for the multinode scenario: every lab host by name, its inventory values, and the mail
client installed on the client container."""

import os
import pathlib
import sys

import pytest
import testinfra

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "shared"))

from mailtests import install_probe  # noqa: E402  pylint: disable=wrong-import-position

INVENTORY = os.environ["MOLECULE_INVENTORY_FILE"]


def lab_host(name):
    """A testinfra host for one container of the scenario."""
    return testinfra.get_host("ansible://%s?ansible_inventory=%s" % (name, INVENTORY))


@pytest.fixture(scope="session")
def hosts():
    """The scenario's containers by inventory name."""
    return {name: lab_host(name) for name in ("ns1", "mail-alpha", "mail-beta", "client")}


@pytest.fixture(scope="session")
def client(hosts):
    """The client container, with the mail client installed."""
    install_probe(hosts["client"])
    return hosts["client"]


@pytest.fixture(scope="session")
def servers(hosts):
    """Each mail server's values from the inventory: domain, host name, address, its one user."""
    result = {}
    for name in ("mail-alpha", "mail-beta"):
        variables = hosts[name].ansible.get_variables()
        user = variables["dovecot_users"][0]
        result[name] = {
            "host": hosts[name],
            "domain": variables["postfix_domain"],
            "hostname": variables["postfix_hostname"],
            "address": hosts[name].interface("eth0").addresses[0],
            "user": user["name"],
            "password": user["password"],
            "email": "%s@%s" % (user["name"], variables["postfix_domain"]),
        }
    return result


@pytest.fixture(scope="session")
def dns(hosts):
    """The primary name server's address and the zones it serves."""
    variables = hosts["ns1"].ansible.get_variables()
    return {"address": hosts["ns1"].interface("eth0").addresses[0], "zones": [zone["name"] for zone in variables["dns_zones"]]}
