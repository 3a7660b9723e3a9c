"""Fixtures for the galaxy scenario: the values of its own playbook (converge.yml), where the
collection was installed from the tarball, and the mail client in the container."""

import os
import pathlib
import sys

import pytest
import yaml

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "shared"))

from mailtests import install_probe, lab_ca_file  # noqa: E402  pylint: disable=wrong-import-position

SCENARIO = pathlib.Path(os.environ["MOLECULE_SCENARIO_DIRECTORY"])
PROJECT = pathlib.Path(os.environ["MOLECULE_PROJECT_DIRECTORY"])


@pytest.fixture(scope="session")
def playbook_vars():
    """The play variables of converge.yml: the domain and the one mail user."""
    play = yaml.safe_load((SCENARIO / "converge.yml").read_text(encoding="utf-8"))[0]
    return play["vars"]


@pytest.fixture(scope="session")
def installed():
    """The collection as make galaxy installed it from the tarball: the install path, the
    collection's directory in it, its name and the version galaxy.yml gives."""
    collections_path = PROJECT / "build" / "galaxy" / "collections"
    galaxy = yaml.safe_load((PROJECT / "galaxy.yml").read_text(encoding="utf-8"))
    return {
        "collections_path": collections_path,
        "directory": collections_path / "ansible_collections" / galaxy["namespace"] / galaxy["name"],
        "name": "%s.%s" % (galaxy["namespace"], galaxy["name"]),
        "version": galaxy["version"],
    }


@pytest.fixture(scope="module")
def mail_client(host, playbook_vars):
    """mailprobe.py in the container, so the tests talk SMTP and IMAP to it over loopback, to the
    mail host's name, verifying its certificate against the lab CA the playbook made."""
    install_probe(host, ca_file=lab_ca_file(os.environ["MOLECULE_INVENTORY_FILE"]),
                  server="mail.%s" % playbook_vars["galaxy_domain"], connect="127.0.0.1")
