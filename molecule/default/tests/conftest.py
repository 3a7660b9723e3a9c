"""Fixtures for the default scenario: the lab's values from the inventory and a mail client
installed in each container."""

import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "shared"))

from mailtests import install_probe  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture(scope="module")
def lab(host):
    """The lab's values as the inventory gives them (the tutorial's: nida.com, mail.nida.com, ...)."""
    variables = host.ansible.get_variables()
    domain = variables["lab_domain"]
    return {
        "domain": domain,
        "hostname": "%s.%s" % (variables["lab_mail_host"], domain),
        "address": variables["lab_mail_address"],
        "users": variables["lab_users"],
        "mailbox_size_limit": int(variables["postfix_mailbox_size_limit"]),
        "protocols": variables["postfix_inet_protocols"],
    }


@pytest.fixture(scope="module", autouse=True)
def mail_client(host):
    """mailprobe.py in the container, so the tests talk SMTP/IMAP/POP3 to it over loopback."""
    install_probe(host)
