# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the check's tutorial profile (_mail_tutorial.py) and its webmail row
(_webmail_check.py), with DNS, sessions and Roundcube's answers faked; the real servers are the
lesson and classroom scenarios'."""

from __future__ import annotations

import io
import urllib.error

import pytest

from ansible_collections.tkj.mailserver.plugins.module_utils._check_report import FAILED, OK, WARNING, row
from ansible_collections.tkj.mailserver.plugins.module_utils._mail_check import MailCheck
from ansible_collections.tkj.mailserver.plugins.module_utils._mail_tutorial import TutorialCheck, checker

ZONE = {("murid01.lab.", "MX"): [(10, "mail.murid01.lab.")], ("mail.murid01.lab.", "A"): ["192.0.2.25"],
        ("webmail.murid01.lab.", "A"): ["192.0.2.25"]}


def resolve(server, name, rtype, timeout):
    found = ZONE.get((name if name.endswith(".") else name + ".", rtype), [])
    return {"rcode": "NOERROR" if found else "NXDOMAIN", "answers": [(name, rtype, value) for value in found]}


def params(**extra):
    options = dict(server="murid01", domain="murid01.lab", mail_host="mail.murid01.lab", dns_servers=["192.0.2.53"], ca_pem="",
                   users=[{"name": "ani", "password": "rahasia"}], records=[], services={}, relay_domain="x.invalid",
                   min_days=14, timeout=1, message_wait=1, server_state={}, webmail_host="", profile="tutorial")
    options.update(extra)
    return options


def test_the_profile_chooses_the_check():
    assert isinstance(checker(params()), TutorialCheck)
    assert not isinstance(checker(params(profile="site")), TutorialCheck) and isinstance(checker(params(profile="site")), MailCheck)


def test_a_closed_587_is_a_warning_that_teaches_submission_in_both_languages():
    check = TutorialCheck(params(), resolve=resolve)
    check.address = "192.0.2.25"
    item = check.smtp_row("SMTP 587", 587, error=ConnectionRefusedError(111, "refused"))
    assert item["status"] == WARNING and "takes mail on 25 only" in item["detail"]
    assert "master.cf" in item["fix"] and "[ID] Klien email" in item["fix"]
    # On 25 a refused connection is broken: it fails, as in the site profile.
    assert check.smtp_row("SMTP 25", 25, error=ConnectionRefusedError(111, "refused"))["status"] == FAILED
    check.weak[25] = "certificate not verified (self-signed certificate)"
    assert check.smtp_row("SMTP 25", 25, detail="siswa01 answers")["status"] == WARNING
    assert check.smtp_row("SMTP 587", 587, detail="answers")["status"] == OK


def test_the_tutorials_open_relay_is_a_warning_and_a_refused_connection_still_fails(monkeypatch):
    check = TutorialCheck(params(), resolve=resolve)
    monkeypatch.setattr(MailCheck, "check_relay", lambda self: self.rows.append(
        row("Open relay", FAILED, "port 25 accepted mail for relay-probe@x.invalid without a login: an open relay", "x")))
    check.check_relay()
    assert check.rows[-1]["status"] == WARNING and "mynetworks" in check.rows[-1]["fix"] and "[ID]" in check.rows[-1]["fix"]
    monkeypatch.setattr(MailCheck, "check_relay", lambda self: self.rows.append(row("Open relay", FAILED, "no answer", "x")))
    check.check_relay()
    assert check.rows[-1]["status"] == FAILED


class FakeAnswer(io.BytesIO):
    status = 200


class FakeRoundcube:
    """Roundcube's two answers: the login page with its token, then the login's redirect (or 401)."""

    def __init__(self, login_status=302, location="./?_task=mail&_mbox=INBOX", page=b'<input type="hidden" name="_token" value="tok123">'):
        self.login_status, self.location, self.page, self.posted = login_status, location, page, None

    def open(self, request, timeout):
        if isinstance(request, str):
            return FakeAnswer(self.page)
        self.posted = request.data.decode()
        raise urllib.error.HTTPError(request.full_url, self.login_status, "answer", {"Location": self.location}, None)


@pytest.mark.parametrize("profile, answer, status, seen", [
    ("site", FakeRoundcube(), OK, "login as ani, the mailbox opened"),
    ("site", FakeRoundcube(login_status=401, location=""), FAILED, "the login as ani was refused (HTTP 401)"),
    ("site", FakeRoundcube(page=b"<html>It works</html>"), FAILED, "with no Roundcube login form"),
    ("tutorial", FakeRoundcube(page=b"<html>It works</html>"), WARNING, "with no Roundcube login form"),
])
def test_the_webmail_row_logs_in_through_roundcubes_form(monkeypatch, profile, answer, status, seen):
    check = checker(params(profile=profile, webmail_host="webmail.murid01.lab"))
    check.resolve = resolve
    monkeypatch.setattr(type(check), "webmail_session", lambda self: answer)
    check.check_webmail()
    assert check.rows[-1]["check"] == "Webmail" and check.rows[-1]["status"] == status and seen in check.rows[-1]["detail"]
    if answer.posted:
        assert "_token=tok123" in answer.posted and "_user=ani" in answer.posted and "_task=login" in answer.posted
    if status == WARNING:
        assert "[ID] Roundcube adalah pelajaran berikutnya" in check.rows[-1]["fix"]


def test_no_webmail_name_no_row_and_a_name_without_address_fails():
    check = checker(params(profile="site"))
    check.check_webmail()
    assert check.rows == []
    check = checker(params(profile="site", webmail_host="webmail.other.lab"))
    check.resolve = resolve
    check.check_webmail()
    assert check.rows[-1]["status"] == FAILED and "DNS gives no address for webmail.other.lab" in check.rows[-1]["detail"]


def test_every_fix_the_tutorial_profile_shows_is_in_both_languages(monkeypatch):
    """The rows it shares with the site profile get their Indonesian too (the faults' rows among them)."""
    check = TutorialCheck(params(), resolve=resolve)
    shared = [row("Services", FAILED, "murid01: dovecot is inactive", "On murid01: sudo systemctl start dovecot."),
              row("DNS MX", FAILED, "MX 10 mailx.murid01.lab.", "Give the zone murid01.lab the record @ IN MX 10 mail."),
              row("POP3 110", FAILED, "nothing listens", "On murid01: sudo systemctl status dovecot."),
              row("Mailbox", FAILED, "owned by root", "x [ID] y"), row("DNS A", OK, "fine")]
    monkeypatch.setattr(MailCheck, "run", lambda self: self.rows.extend(shared) or self.rows)
    rows = check.run()
    assert all("[ID]" in item["fix"] for item in rows if item["status"] != OK)
    assert "Di murid01: jalankan layanan" in rows[0]["fix"] and "zona murid01.lab" in rows[1]["fix"]
    assert "sudo systemctl status dovecot; Dovecot harus berjalan" in rows[2]["fix"] and rows[3]["fix"] == "x [ID] y"
    assert rows[4]["fix"] == ""
