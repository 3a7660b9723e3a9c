"""tkj.mailserver.check, the playbook students run against their real servers, run here by its FQCN
against the lab from the client container: it passes on the working lab, and with Dovecot stopped
on one mail server it fails with a table that says what is wrong and how to fix it."""

import os
import subprocess

import pytest

from conftest import ANSIBLE_PLAYBOOK, INVENTORY
from mailtests import has_row, maildir_files_with, tables, wait_for

CHECK = "tkj.mailserver.check"
MAIL_SERVERS = ("mail-alpha", "mail-beta")


def run_check(dns_address):
    """ansible-playbook tkj.mailserver.check from the client container, asking the lab's DNS server
    (as the lab's clients do; the client's resolver is Docker's, which answers PTR queries itself);
    (exit code, output), the results printed as JSON, as ansible-core's default callback shows them."""
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", ANSIBLE_CALLBACK_RESULT_FORMAT="json")
    result = subprocess.run([str(ANSIBLE_PLAYBOOK), "-i", INVENTORY, CHECK, "-e", "check_from=client",
                             "-e", '{"check_dns_servers": ["%s"]}' % dns_address], env=env,
                            capture_output=True, text=True, timeout=600, check=False)
    return result.returncode, result.stdout + result.stderr


def test_check_passes_against_the_lab_and_leaves_no_test_message(servers, dns):
    code, output = run_check(dns["address"])
    assert code == 0, output
    found = tables(output)
    assert sorted(found) == list(MAIL_SERVERS), output
    for name in MAIL_SERVERS:
        server, table = servers[name], found[name]
        assert table[0] == "tkj.mailserver.check: %s (%s), DNS %s" % (server["hostname"], server["domain"], dns["address"])
        for check, detail in [
                ("Services", "%s: postfix, dovecot, opendkim, opendmarc" % name),
                ("Services", "ns1: named active"),
                ("DNS MX", "%s MX 10 %s. (%s)" % (server["domain"], server["hostname"], dns["address"])),
                ("DNS A", "%s A %s" % (server["hostname"], server["address"])),
                ("DNS PTR", "%s PTR %s" % (server["address"], server["hostname"])),
                ("SMTP 25", "%s answers, STARTTLS, certificate verified" % server["hostname"]),
                ("SMTP 587", "%s answers, STARTTLS, certificate verified, login as %s" % (server["hostname"], server["user"])),
                ("Open relay", "mail for relay-probe@"),
                ("IMAP 993", "TLS, certificate verified, login as"),
                ("POP3 995", "TLS, certificate verified, login as"),
                ("Certificate", "%s; valid until " % server["hostname"]),
                ("Message", "%s -> " % server["email"]),
                ("SPF", "published: %s" % server["domain"]),
                ("DKIM", "published: tkj"),
                ("DMARC", "published: _dmarc.%s" % server["domain"])]:
            assert has_row(table, check, "OK", detail), (name, check, table)
        assert table[-1].endswith(" 0 failed, 0 warnings"), table
        assert "then deleted" in next(line for line in table if line.startswith("Message "))
    # The open-relay probe of mail-alpha asks for the other lab domain, refused without a login.
    assert has_row(found["mail-alpha"], "Open relay", "OK", "mail for relay-probe@beta.lab without login refused: 554 5.7.1")
    # The test message was read back and deleted: no file of it is left in any Maildir.
    for name in MAIL_SERVERS:
        server = servers[name]
        for user in server["users"]:
            for folder in ("new", "cur"):
                assert not maildir_files_with(server["host"], user, "tkj.mailserver.check ", folder), (name, user, folder)


@pytest.fixture
def dovecot_stopped(servers):
    """Dovecot stopped on mail-alpha for the test, started again after it."""
    host = servers["mail-alpha"]["host"]
    host.run_test("systemctl stop dovecot")
    yield servers["mail-alpha"]
    host.run_test("systemctl start dovecot")
    wait_for(lambda: host.socket("tcp://0.0.0.0:993").is_listening, what="dovecot on mail-alpha listening again")


def test_check_fails_and_says_why_when_dovecot_is_stopped(dovecot_stopped, dns):
    server = dovecot_stopped
    code, output = run_check(dns["address"])
    assert code == 2, output
    table = tables(output)["mail-alpha"]
    assert "On mail-alpha: sudo systemctl start dovecot; sudo journalctl -u dovecot -n 30 shows why it stopped." in "\n".join(table)
    assert has_row(table, "Services", "FAILED", "mail-alpha: dovecot is inactive Fix: On mail-alpha: sudo systemctl start dovecot;"), table
    refused = "nothing listens on %s:%%d (connection refused) Fix: On mail-alpha: sudo systemctl status dovecot" % server["address"]
    assert has_row(table, "IMAP 993", "FAILED", refused % 993), table
    assert has_row(table, "POP3 995", "FAILED", refused % 995), table
    # Postfix's submission service cannot check logins without Dovecot: it refuses them for now
    # (454) or drops the connection, as its smtpd process finds the auth socket gone; either way the
    # fix names Dovecot.
    submission = next(line for line in table if line.startswith("SMTP 587 "))
    assert submission.startswith("SMTP 587     FAILED   %s:587" % server["address"]), table
    assert "Postfix cannot reach Dovecot, which checks the logins: on mail-alpha, sudo systemctl status dovecot." in submission
    # What does not depend on Dovecot still passes: DNS and SMTP on port 25.
    assert has_row(table, "DNS MX", "OK", "%s MX 10 %s." % (server["domain"], server["hostname"])), table
    assert has_row(table, "SMTP 25", "OK", "%s answers" % server["hostname"]), table
    # The run ends with the failed checks of mail-alpha named; mail-beta's table is clean.
    assert "5 check(s) of mail-alpha failed: Services, SMTP 587, IMAP 993, POP3 995, Message." in output, output
    assert tables(output)["mail-beta"][-1].endswith(" 0 failed, 0 warnings"), output
