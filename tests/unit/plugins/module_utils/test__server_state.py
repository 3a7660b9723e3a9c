# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the server's own view (_server_state.py) and the check's diagnosis from it
(_mail_diagnosis.py), with the server's tools faked."""

from __future__ import annotations

import os
import types

from ansible_collections.tkj.mailserver.plugins.module_utils import _server_state as state
from ansible_collections.tkj.mailserver.plugins.module_utils._check_report import FAILED, OK, WARNING
from ansible_collections.tkj.mailserver.plugins.module_utils._mail_check import MailCheck
from ansible_collections.tkj.mailserver.plugins.module_utils._mail_diagnosis import same_place

NFT = """table inet tkj_fault {
    chain input {
        type filter hook input priority filter; policy accept;
        tcp dport 25 drop
        tcp dport 80 drop
    }
}
"""


def fake_run(answers):
    """run(argv) answering from {first words: (rc, out)}; a tool not in it is missing (127)."""
    def run(argv):
        for words, (rc, out) in answers.items():
            if tuple(argv[:len(words)]) == words:
                return rc, out, ""
        return 127, "", "not installed"
    return run


def test_dovecot_2_4_location_is_made_from_driver_and_path():
    run = fake_run({("doveconf", "-h", "mail_location"): (0, "\n"), ("doveconf", "-h", "mail_driver"): (0, "maildir\n~/Maildir\n\n")})
    assert state.dovecot_location(run) == "maildir:~/Maildir"
    # Debian 13's own mail_inbox_path left in: the INBOX is still /var/mail's.
    run = fake_run({("doveconf", "-h", "mail_location"): (0, "\n"),
                    ("doveconf", "-h", "mail_driver"): (0, "maildir\n~/Maildir\n/var/mail/%{user}\n")})
    assert state.dovecot_location(run) == "maildir:~/Maildir:INBOX=/var/mail/%{user}"
    assert not same_place(state.dovecot_location(run))
    run = fake_run({("doveconf", "-h", "mail_location"): (0, "maildir:~/Maildir\n")})
    assert state.dovecot_location(run) == "maildir:~/Maildir"
    assert state.dovecot_location(fake_run({})) == ""


def test_only_rules_that_stop_a_mail_port_are_kept():
    run = fake_run({("nft",): (0, NFT), ("iptables",): (0, "-P INPUT ACCEPT\n-A INPUT -p tcp -m tcp --dport 143 -j REJECT\n")})
    assert state.firewall(run) == ["tcp dport 25 drop", "-A INPUT -p tcp -m tcp --dport 143 -j REJECT"]


def test_services_and_postfix_settings_are_read_once_each():
    calls = []

    def run(argv):
        calls.append(argv[0])
        return {"systemctl": (3, "active\ninactive\n", ""), "postconf": (0, "siswa01.lab, localhost\n\n\nMaildir/\n\n\n", "")}.get(argv[0], (127, "", ""))

    assert state.services(run, ["postfix", "dovecot"]) == {"postfix": "active", "dovecot": "inactive"}
    assert state.postfix_delivery(run) == {"mydestination": "siswa01.lab, localhost", "virtual_mailbox_domains": "", "virtual_alias_domains": "",
                                           "home_mailbox": "Maildir/", "mailbox_transport": "", "mailbox_command": ""}
    assert calls == ["systemctl", "postconf"]


def test_maildir_owner_is_named_and_a_missing_user_or_directory_is_none(tmp_path):
    (tmp_path / "Maildir").mkdir()
    users = {"ani": types.SimpleNamespace(pw_dir=str(tmp_path)), "budi": types.SimpleNamespace(pw_dir=str(tmp_path / "none"))}
    found = state.maildirs(["ani", "budi", "gone"], getpwnam=lambda name: users[name])
    assert found["ani"]["path"] == str(tmp_path / "Maildir") and found["ani"]["owner"] is not None
    assert found["ani"]["owner"] in (str(os.getuid()), __import__("pwd").getpwuid(os.getuid()).pw_name)
    assert found["budi"]["owner"] is None and found["gone"] == {"path": None, "owner": None}


def test_same_place_knows_the_forms_of_the_tutorial_maildir():
    assert same_place("maildir:~/Maildir") and same_place("maildir:~/Maildir/") and same_place("maildir:%{home}/Maildir")
    assert not same_place("mbox:~/mail:INBOX=/var/mail/%u") and not same_place("maildir:~/mail")


def diagnosis(server_state):
    check = MailCheck(dict(server="siswa01", domain="siswa01.lab", mail_host="mail.siswa01.lab", dns_servers=["192.0.2.53"],
                           ca_pem="", users=[], records=[], services={}, relay_domain="x.invalid", min_days=14, timeout=1,
                           message_wait=1, server_state=server_state))
    check.check_mailbox()
    return check


GOOD = {"postfix": {"mydestination": "siswa01, mail.siswa01.lab, siswa01.lab, localhost", "home_mailbox": "Maildir/",
                    "mailbox_transport": "", "mailbox_command": ""},
        "dovecot_location": "maildir:~/Maildir", "maildirs": {"ani": {"path": "/home/ani/Maildir", "owner": "ani"}}, "firewall": []}


def test_the_mailbox_row_names_each_cause_and_its_fix_in_both_languages():
    assert [item["status"] for item in diagnosis(GOOD).rows] == [OK]
    wrong = dict(GOOD, dovecot_location="mbox:~/mail:INBOX=/var/mail/%u")
    item = diagnosis(wrong).rows[0]
    assert item["status"] == FAILED and "Dovecot reads mbox:~/mail" in item["detail"]
    assert "mail_location = maildir:~/Maildir" in item["fix"] and "[ID] Di siswa01" in item["fix"]
    root = dict(GOOD, maildirs={"ani": {"path": "/home/ani/Maildir", "owner": "root"}})
    item = diagnosis(root).rows[0]
    assert "/home/ani/Maildir is owned by root, not ani" in item["detail"] and "sudo chown -R ani:ani /home/ani/Maildir" in item["fix"]
    no_maildir = dict(GOOD, postfix=dict(GOOD["postfix"], home_mailbox=""))
    assert "home_mailbox=Maildir/" in diagnosis(no_maildir).rows[0]["fix"]
    # A mailbox_command decides where mail goes: home_mailbox is not what counts then.
    command = dict(GOOD, postfix=dict(GOOD["postfix"], home_mailbox="", mailbox_command="/usr/lib/dovecot/deliver"))
    assert diagnosis(command).rows[0]["status"] == OK and "through /usr/lib/dovecot/deliver" in diagnosis(command).rows[0]["detail"]
    assert diagnosis({}).rows == []
    # The tutorial's default destinations: mail.DOMAIN, not DOMAIN.
    loops = dict(GOOD, postfix=dict(GOOD["postfix"], mydestination="siswa01, mail.siswa01.lab, localhost.localdomain, localhost"))
    item = diagnosis(loops).rows[0]
    assert "does not take mail for siswa01.lab" in item["detail"] and "dpkg-reconfigure postfix" in item["fix"] and "[ID]" in item["fix"]


def test_a_port_stopped_by_the_firewall_gets_that_rule_as_its_fix():
    check = diagnosis(dict(GOOD, firewall=["tcp dport 25 drop"]))
    detail, fix = check.explain(TimeoutError("timed out"), 25)
    assert "no answer" in detail and "the firewall stops port 25: tcp dport 25 drop" in fix and "[ID]" in fix
    _detail, fix = check.explain(TimeoutError("timed out"), 993)
    assert "Open port 993 in the firewall between here" in fix


QUEUE = "\n".join([
    '{"queue_name": "deferred", "queue_id": "A1", "recipients": [{"address": "x@foo.invalid", "delay_reason": '
    '"SASL authentication failed; server smtp.relay.test[172.30.37.11] said: 535 5.7.8 Error:  authentication failed"}]}',
    '{"queue_name": "deferred", "queue_id": "A2", "recipients": [{"address": "y@foo.invalid", "delay_reason": '
    '"SASL authentication failed; server smtp.relay.test[172.30.37.11] said: 535 5.7.8 Error:  authentication failed"}, '
    '{"address": "z@bar.invalid", "delay_reason": "connect to bar.invalid: Connection timed out"}]}',
    '{"queue_name": "active", "queue_id": "A3", "recipients": [{"address": "w@foo.invalid"}]}',
    "not json"])


def test_the_queue_counts_deferred_messages_and_ranks_their_reasons():
    found = state.queue(fake_run({("postqueue", "-j"): (0, QUEUE)}))
    assert found["deferred"] == 2
    assert found["reasons"] == [["SASL authentication failed; server smtp.relay.test[172.30.37.11] said: 535 5.7.8 Error: "
                                 "authentication failed", 2], ["connect to bar.invalid: Connection timed out", 1]]
    assert state.queue(fake_run({})) is None


def queue_rows(server_state):
    check = diagnosis({})
    check.p["server_state"] = server_state
    check.check_queue()
    return check.rows


def test_the_queue_row_says_why_mail_waits_and_what_to_fix():
    assert queue_rows({"queue": {"deferred": 0, "reasons": []}})[0]["status"] == OK
    found = state.queue(fake_run({("postqueue", "-j"): (0, QUEUE)}))
    item = queue_rows({"queue": found})[0]
    assert item["status"] == WARNING and "2 message(s) deferred on siswa01" in item["detail"] and "535 5.7.8" in item["detail"]
    assert "postfix_relayhost_password" in item["fix"] and "[ID]" in item["fix"]
    other = queue_rows({"queue": {"deferred": 1, "reasons": [["connect to bar.invalid: Connection timed out", 1]]}})[0]
    assert "postqueue -f" in other["fix"] and "relay" not in other["fix"]
    assert queue_rows({}) == [] and queue_rows({"queue": None}) == []
