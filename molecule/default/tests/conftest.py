"""Fixtures for the default scenario: the lab's values from the inventory and a mail client
installed in each container."""

import os
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "shared"))

from mailtests import install_probe, lab_ca_file  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture(scope="module")
def lab(host):
    """The lab's values as the inventory gives them (the tutorial's: nida.com, mail.nida.com, ...)."""
    variables = host.ansible.get_variables()
    domain = variables["lab_domain"]
    return {
        "domain": domain,
        "hostname": "%s.%s" % (variables["lab_mail_host"], domain),
        "address": variables["lab_mail_address"],
        "webmail": "%s.%s" % (variables["lab_webmail_host"], domain),
        "users": variables["lab_users"],
        "mailbox_size_limit": int(variables["postfix_mailbox_size_limit"]),
        "protocols": variables["postfix_inet_protocols"],
    }


@pytest.fixture(scope="module", autouse=True)
def mail_client(host, lab):
    """mailprobe.py in the container, so the tests talk SMTP/IMAP/POP3 to it over loopback, to the
    mail host's name (never to the lab address in the inventory), verifying its certificate against
    the lab CA file the playbook wrote on the controller."""
    install_probe(host, ca_file=lab_ca_file(os.environ["MOLECULE_INVENTORY_FILE"]), server=lab["hostname"], connect="127.0.0.1")
