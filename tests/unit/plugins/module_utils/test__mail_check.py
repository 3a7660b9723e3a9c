# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the mail checks' DNS, services, records and report rows, with a fake DNS (the
connections to a real server are the multinode scenario's test_check.py)."""

from __future__ import annotations

import imaplib
import smtplib
import socket
import ssl

import pytest

from ansible_collections.tkj.mailserver.plugins.module_utils import _dns_client as dns
from ansible_collections.tkj.mailserver.plugins.module_utils._check_report import FAILED, OK, WARNING, class_table, row, table
from ansible_collections.tkj.mailserver.plugins.module_utils._mail_check import MailCheck

ZONE = {
    ("nida.com.", "MX"): [(10, "mail.nida.com.")],
    ("mail.nida.com.", "A"): ["172.30.29.20"],
    ("20.29.30.172.in-addr.arpa.", "PTR"): ["mail.nida.com."],
    ("nida.com.", "TXT"): ["v=spf1 mx -all", "google-site-verification=x"],
    ("_dmarc.nida.com.", "TXT"): ["v=DMARC1; p=reject"],
}


def fake_dns(zones):
    """A resolve function answering from ``zones`` {server: {(name, type): values}}; a server
    mapped to an exception raises it."""
    def resolve(server, name, rtype, timeout):
        zone = zones[server]
        if isinstance(zone, Exception):
            raise zone
        name = name if name.endswith(".") else name + "."
        found = zone.get((name, rtype), [])
        return {"rcode": "NOERROR" if found else "NXDOMAIN", "answers": [(name, rtype, value) for value in found]}
    return resolve


def checker(zones=None, **params):
    options = dict(server="mail.nida.com", domain="nida.com", mail_host="mail.nida.com", dns_servers=["192.0.2.53"],
                   ca_pem="", users=[], records=[], services={}, relay_domain="relay-test.invalid", min_days=14,
                   timeout=1, message_wait=1)
    options.update(params)
    return MailCheck(options, resolve=fake_dns(zones or {"192.0.2.53": ZONE}))


def rows_of(check, name):
    return [item for item in check.rows if item["check"] == name]


def test_dns_as_the_zone_has_it_is_ok_and_gives_the_address():
    check = checker()
    check.check_dns()
    assert [(item["check"], item["status"]) for item in check.rows] == [("DNS MX", OK), ("DNS A", OK), ("DNS PTR", OK)]
    assert check.address == "172.30.29.20"
    assert "nida.com MX 10 mail.nida.com." in check.rows[0]["detail"]


def test_missing_mx_names_the_record_to_add_and_the_servers_asked():
    zone = dict(ZONE)
    del zone[("nida.com.", "MX")]
    check = checker({"192.0.2.53": zone})
    check.check_dns()
    (mx,) = rows_of(check, "DNS MX")
    assert mx["status"] == FAILED and "nida.com has no MX record (NXDOMAIN)" in mx["detail"]
    assert "@ IN MX 10 mail.nida.com." in mx["fix"] and "192.0.2.53 (check_dns_servers)" in mx["fix"]


def test_servers_that_disagree_or_do_not_answer_fail_the_a_row():
    other = dict(ZONE)
    other[("mail.nida.com.", "A")] = ["172.30.29.99"]
    check = checker({"192.0.2.53": ZONE, "192.0.2.54": other, "192.0.2.55": dns.DnsError("no answer from 192.0.2.55 within 1 s")},
                    dns_servers=["192.0.2.53", "192.0.2.54", "192.0.2.55"])
    check.check_dns()
    (a_row,) = rows_of(check, "DNS A")
    assert a_row["status"] == FAILED
    assert "the DNS servers disagree: 192.0.2.53: 172.30.29.20; 192.0.2.54: 172.30.29.99" in a_row["detail"]
    assert "192.0.2.55: no answer from 192.0.2.55 within 1 s" in a_row["detail"]


def test_wrong_ptr_points_at_the_reverse_zone():
    zone = dict(ZONE)
    zone[("20.29.30.172.in-addr.arpa.", "PTR")] = ["other.nida.com."]
    check = checker({"192.0.2.53": zone})
    check.check_dns()
    (ptr,) = rows_of(check, "DNS PTR")
    assert ptr["status"] == FAILED and "PTR other.nida.com., not mail.nida.com" in ptr["detail"]
    assert "zone 29.30.172.in-addr.arpa the record 20 IN PTR mail.nida.com. (dns_reverse_zones)" in ptr["fix"]


def test_without_an_address_the_connections_are_not_tried():
    check = checker({"192.0.2.53": {}})
    check.run()
    statuses = {item["check"]: item["status"] for item in check.rows}
    assert statuses["SMTP 25"] == statuses["IMAP 993"] == statuses["Open relay"] == FAILED
    assert all("DNS gave no address" in item["detail"] for item in check.rows if item["check"] in ("SMTP 587", "POP3 995"))
    # No user with a password: the message is a warning, not a failure.
    assert statuses["Message"] == WARNING


def test_stopped_service_fails_with_the_command_that_starts_it():
    check = checker(services={"mail.nida.com": {"postfix": "active", "dovecot": "inactive"}, "ns1": {}})
    check.check_services()
    mail, ns1 = check.rows
    assert mail["status"] == FAILED and mail["detail"] == "mail.nida.com: dovecot is inactive"
    assert mail["fix"].startswith("On mail.nida.com: sudo systemctl start dovecot; sudo journalctl -u dovecot")
    assert ns1["status"] == FAILED and "not looked at in this run" in ns1["detail"]
    check = checker(services={"mail.nida.com": {"postfix": "active"}})
    check.check_services()
    assert check.rows == [{"check": "Services", "status": OK, "detail": "mail.nida.com: postfix active", "fix": ""}]


def test_records_are_found_among_other_txt_records_and_missing_ones_fail():
    records = [{"zone": "nida.com", "name": "@", "value": "v=spf1 mx -all"},
               {"zone": "nida.com", "name": "_dmarc", "value": "v=DMARC1; p=reject"},
               {"zone": "nida.com", "name": "tkj2026._domainkey", "value": "v=DKIM1; k=rsa; p=MIIB"}]
    check = checker(records=records)
    check.check_records()
    statuses = {item["check"]: (item["status"], item["detail"]) for item in check.rows}
    assert statuses["SPF"] == (OK, "published: nida.com")
    assert statuses["DMARC"] == (OK, "published: _dmarc.nida.com")
    assert statuses["DKIM"][0] == FAILED and "tkj2026._domainkey.nida.com has no TXT record" in statuses["DKIM"][1]


def test_no_records_no_rows():
    check = checker()
    check.check_records()
    assert check.rows == []


@pytest.mark.parametrize("error, detail, fix", [
    (ConnectionRefusedError(111, "Connection refused"), "nothing listens on 172.30.29.20:993 (connection refused)",
     "On mail.nida.com: sudo systemctl status dovecot"),
    (socket.timeout("timed out"), "no answer from 172.30.29.20:993 within 1 s", "Open port 993 in the firewall"),
    (imaplib.IMAP4.error("[AUTHENTICATIONFAILED] Authentication failed."), "login refused: [AUTHENTICATIONFAILED]",
     "The password in dovecot_users"),
    (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), "172.30.29.20:993 closed the connection",
     "On mail.nida.com: sudo journalctl -u postfix -n 30 says why."),
])
def test_connection_failures_are_explained(error, detail, fix):
    check = checker()
    check.address = "172.30.29.20"
    got_detail, got_fix = check.explain(error, 993)
    assert detail in got_detail and got_fix.startswith(fix)


def test_submission_that_drops_the_connection_points_at_dovecot():
    check = checker()
    check.address = "172.30.29.20"
    _detail, fix = check.explain(smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), 587)
    assert "Postfix cannot reach Dovecot" in fix
    detail, fix = check.explain(smtplib.SMTPAuthenticationError(454, b"4.7.0 Temporary authentication failure"), 587)
    assert detail == "172.30.29.20:587: login failed for now: 454 4.7.0 Temporary authentication failure"
    assert fix == "Postfix cannot reach Dovecot, which checks the logins: on mail.nida.com, sudo systemctl status dovecot."
    detail, fix = check.explain(smtplib.SMTPAuthenticationError(535, b"5.7.8 Error: authentication failed"), 587)
    assert "login refused" in detail and fix.startswith("The password in dovecot_users")


@pytest.mark.parametrize("message, fix", [
    ("Hostname mismatch, certificate is not valid for 'mail.nida.com'.", "Add mail.nida.com to tls_names"),
    ("certificate has expired", "the tls role renews"),
    ("self-signed certificate", "This check trusts the system's CAs (no check_ca_file). With tls_mode snakeoil"),
])
def test_certificate_errors_say_what_to_change(message, fix):
    check = checker()
    check.address = "172.30.29.20"
    error = ssl.SSLCertVerificationError(1, message)
    error.verify_message = message
    detail, got_fix = check.explain(error, 25)
    assert detail == "the certificate of 172.30.29.20:25 does not verify: %s" % message
    assert fix in got_fix


def test_certificate_row_gives_names_and_days_and_warns_near_the_end():
    check = checker(min_days=14)
    check.clock = lambda: ssl.cert_time_to_seconds("Dec  1 00:00:00 2026 GMT")
    check.peer_cert = {"subjectAltName": (("DNS", "mail.nida.com"), ("DNS", "webmail.nida.com")),
                       "notAfter": "Dec 11 00:00:00 2026 GMT"}
    check.check_certificate()
    (cert,) = check.rows
    assert cert["status"] == WARNING
    assert cert["detail"] == "mail.nida.com, webmail.nida.com; valid until 2026-12-11 (10 days)"


def test_table_wraps_details_and_shows_fixes_of_failures_only():
    rows = [{"check": "DNS MX", "status": OK, "detail": "nida.com MX 10 mail.nida.com.", "fix": ""},
            {"check": "IMAP 993", "status": FAILED, "detail": "nothing listens on 172.30.29.20:993 (connection refused) " * 3,
             "fix": "On mail.nida.com: sudo systemctl status dovecot."}]
    lines = table("tkj.mailserver.check: mail.nida.com", rows, width=80)
    assert lines[0] == "tkj.mailserver.check: mail.nida.com"
    assert lines[2] == "DNS MX       OK       nida.com MX 10 mail.nida.com."
    assert lines[3].startswith("IMAP 993     FAILED   nothing listens")
    assert all(len(line) <= 80 for line in lines)
    assert any(line.strip() == "Fix: On mail.nida.com: sudo systemctl status dovecot." for line in lines)
    assert lines[-1] == "2 checks: 1 OK, 1 failed, 0 warnings"


SIBLING = {"server": "siswa02", "domain": "siswa02.lab", "mail_host": "mail.siswa02.lab",
           "users": [{"name": "ani", "password": "Ani-class-password-2026"}]}


def test_no_class_mail_row_outside_a_class():
    check = checker({"192.0.2.53": {}})
    check.run()
    assert rows_of(check, "Class mail") == []


def test_class_mail_without_users_is_a_warning_naming_the_server():
    check = checker(send_to=dict(SIBLING, users=[]), users=[{"name": "ani", "password": "x"}])
    check.address = "172.30.29.20"
    check.check_class_mail()
    (item,) = rows_of(check, "Class mail")
    assert item["status"] == WARNING and "siswa02 has no user" in item["detail"]


def test_class_mail_to_a_host_dns_does_not_know_fails_with_the_record_to_add():
    check = checker(send_to=SIBLING, users=[{"name": "ani", "password": "x"}])
    check.address = "172.30.29.20"
    check.check_class_mail()
    (item,) = rows_of(check, "Class mail")
    assert item["status"] == FAILED
    assert item["detail"] == "ani@nida.com -> ani@siswa02.lab: DNS gives no address for mail.siswa02.lab"
    assert "mail IN A" in item["fix"]


def test_class_mail_that_cannot_be_sent_says_so_and_how_to_fix_it(monkeypatch):
    zone = {**ZONE, ("mail.siswa02.lab.", "A"): ["192.0.2.2"]}
    check = checker({"192.0.2.53": zone}, send_to=SIBLING, users=[{"name": "ani", "password": "x"}])
    check.address = "192.0.2.1"

    def refused(port):
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(check, "smtp", refused)
    check.check_class_mail()
    (item,) = rows_of(check, "Class mail")
    assert item["status"] == FAILED and item["detail"].startswith("ani@nida.com -> ani@siswa02.lab: not sent: nothing listens on 192.0.2.1:587")
    assert "sudo systemctl start postfix" in item["fix"]


def class_rows(own, class_mail):
    """Rows of one server: each check of ``own`` OK unless named in it as failed, and its Class mail row."""
    rows = [row(name, FAILED if failed else OK, "") for name, failed in own]
    return rows + [row("Class mail", class_mail, "")]


def test_class_table_names_who_needs_help():
    results = [
        ("siswa01", class_rows([("Services", False), ("SMTP 25", False)], FAILED)),
        ("siswa02", class_rows([("Services", True), ("SMTP 25", True)], FAILED)),
        ("siswa03", class_rows([("Services", False), ("SMTP 25", False)], OK)),
        ("siswa04", None),
    ]
    lines = class_table(results)
    assert lines[0] == "tkj.mailserver.check: the class, 4 servers (each sends to the next, the last to the first)"
    assert lines[2].split() == ["siswa01", "OK", "FAILED", "-", "none"]
    assert lines[3].split(None, 4) == ["siswa02", "FAILED", "FAILED", "FAILED", "Services, SMTP 25"]
    assert lines[4].split() == ["siswa03", "OK", "OK", "FAILED", "none"]
    assert lines[5].split(None, 4) == ["siswa04", "FAILED", "-", "OK", "not checked: unreachable"]
    assert lines[-1] == "Needs help: siswa02, siswa04"


def test_class_table_of_a_working_class():
    lines = class_table([(name, class_rows([("Services", False)], OK)) for name in ("a", "b")])
    assert [line.split() for line in lines[2:4]] == [["a", "OK", "OK", "OK", "none"], ["b", "OK", "OK", "OK", "none"]]
    assert lines[-1] == "Needs help: nobody"
