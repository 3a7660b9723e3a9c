"""Fixtures for the upgrade scenario: the lab's values and test users, what upgrade.yml recorded
before the upgrade, and the mail client in the container."""

import json
import os
import pathlib
import sys

import pytest
import yaml

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "shared"))

from mailtests import install_probe, lab_ca_file  # noqa: E402  pylint: disable=wrong-import-position

SCENARIO = pathlib.Path(os.environ["MOLECULE_SCENARIO_DIRECTORY"])


@pytest.fixture(scope="session")
def lab():
    """The lab inventory's values with the scenario's test users (group_vars/all/)."""
    values = {}
    for name in ("lab.yml", "test.yml"):
        values.update(yaml.safe_load((SCENARIO / "group_vars" / "all" / name).read_text(encoding="utf-8")))
    return values


@pytest.fixture(scope="session")
def before_upgrade():
    """What the mail clients remembered and what DNS served on Debian 12, as upgrade.yml recorded it."""
    return json.loads((pathlib.Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "before-upgrade.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def mail_client(host, lab):
    """mailprobe.py in the container, talking to the mail host's name over loopback and verifying
    its certificate against the lab CA."""
    install_probe(host, ca_file=lab_ca_file(os.environ["MOLECULE_INVENTORY_FILE"]),
                  server="%s.%s" % (lab["lab_mail_host"], lab["lab_domain"]), connect="127.0.0.1")
