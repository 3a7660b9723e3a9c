# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The check's diagnosis from the server's own view (the mail_server_state module, _server_state.py):
whether Postfix delivers local mail where Dovecot reads it, whether each user owns ~/Maildir, and
which firewall rule stops a port that does not answer. A client alone sees only that a message never
arrived; these rows name the cause and the fix, in English and in Bahasa Indonesia."""

from __future__ import annotations

import re

from ansible_collections.tkj.mailserver.plugins.module_utils._check_report import FAILED, OK, WARNING, row

# What a deferred message's reason means, and its fix: (pattern, English, Indonesian).
QUEUE_FIXES = (
    (r"SASL authentication failed|authentication failed",
     "The relay host refused the login: correct postfix_relayhost_user and postfix_relayhost_password (they are in "
     "/etc/postfix/tkj_relay_password), run tkj.mailserver.site again, then sudo postqueue -f.",
     "Relay host menolak login: perbaiki postfix_relayhost_user dan postfix_relayhost_password, jalankan lagi "
     "tkj.mailserver.site, lalu sudo postqueue -f."),
    (r"certificate|TLS is required|TLS",
     "TLS to the next server failed or its certificate was not trusted: check postfix_relayhost_ca_file (or "
     "postfix_tls_ca_file in the lab) and the server's name, then sudo postqueue -f.",
     "TLS ke server berikutnya gagal atau sertifikatnya tidak dipercaya: periksa postfix_relayhost_ca_file (atau "
     "postfix_tls_ca_file di lab) dan nama servernya, lalu sudo postqueue -f."),
)


def both(english, indonesian):
    """A fix in English and in Bahasa Indonesia, for the students of the tutorial."""
    return "%s [ID] %s" % (english, indonesian)


def same_place(location):
    """Whether Dovecot's mail location is the Maildir Postfix's home_mailbox = Maildir/ fills."""
    driver, _colon, rest = location.partition(":")
    parts = rest.split(":")
    inbox_elsewhere = any(part.upper().startswith("INBOX=") for part in parts[1:])
    return driver == "maildir" and parts[0].rstrip("/") in ("~/Maildir", "%h/Maildir", "%{home}/Maildir") and not inbox_elsewhere


class MailboxChecks:
    """For MailCheck: ``p["server_state"]`` (the module's result, {} when not read), ``server``, ``rows``."""

    def state(self):
        return self.p.get("server_state") or {}

    def blocking_rules(self, port):
        """The server's firewall rules that drop or refuse ``port``."""
        return [rule for rule in self.state().get("firewall", []) if re.search(r"\b%d\b" % port, rule)]

    def firewall_fix(self, port):
        """The fix for a port that does not answer, when the server's own firewall stops it (else None)."""
        rules = self.blocking_rules(port)
        if not rules:
            return None
        return both(
            "On %s the firewall stops port %d: %s. Remove that rule (sudo nft list ruleset shows it with its "
            "table; sudo nft delete table inet NAME, or sudo iptables -D ... for an iptables rule)." % (
                self.server, port, "; ".join(rules)),
            "Di %s firewall menutup port %d: %s. Hapus aturan itu (sudo nft list ruleset menampilkannya; "
            "sudo nft delete table inet NAMA, atau sudo iptables -D ... untuk aturan iptables)." % (
                self.server, port, "; ".join(rules)))

    def check_queue(self):
        """Mail the server holds back, and why (the most frequent reasons Postfix gives)."""
        found = self.state().get("queue")
        if not found:
            return
        if not found.get("deferred"):
            self.rows.append(row("Queue", OK, "no deferred mail"))
            return
        reasons = [reason for reason, _count in found["reasons"]]
        fixes = [both(english, indonesian) for pattern, english, indonesian in QUEUE_FIXES
                 if any(re.search(pattern, reason) for reason in reasons)][:1]
        self.rows.append(row("Queue", WARNING, "%d message(s) deferred on %s: %s" % (
            found["deferred"], self.server, "; ".join("%s (%d)" % (reason, count) for reason, count in found["reasons"])),
            fixes[0] if fixes else both("sudo mailq lists them and sudo postqueue -f tries again once the cause is fixed.",
                                        "sudo mailq menampilkannya dan sudo postqueue -f mencoba lagi setelah penyebabnya diperbaiki.")))

    def check_mailbox(self):
        """Postfix delivers local mail where Dovecot reads it, into a Maildir the user owns."""
        state = self.state()
        postfix, location = state.get("postfix") or {}, state.get("dovecot_location", "")
        if not postfix or not location:
            return
        problems, fixes = [], []
        own = set(re.split(r"[\s,]+", " ".join(postfix.get(name, "") for name in (
            "mydestination", "virtual_mailbox_domains", "virtual_alias_domains")).lower()))
        if "mydestination" in postfix and self.domain not in own:
            problems.append("Postfix does not take mail for %s as its own (mydestination = %s): mail to USER@%s loops back "
                            "to the MX, this server, and is bounced" % (self.domain, postfix["mydestination"], self.domain))
            fixes.append(both(
                "On %s: add %s to mydestination (sudo dpkg-reconfigure postfix, \"Other destinations\"; or sudo postconf -e "
                "'mydestination = $myhostname, %s, localhost'), then sudo systemctl reload postfix." % (self.server, self.domain, self.domain),
                "Di %s: tambahkan %s ke mydestination (sudo dpkg-reconfigure postfix, \"Other destinations\"; atau sudo postconf -e "
                "'mydestination = $myhostname, %s, localhost'), lalu sudo systemctl reload postfix." % (self.server, self.domain, self.domain)))
        lmtp = "lmtp" in postfix.get("mailbox_transport", "")
        command = postfix.get("mailbox_command", "")
        if lmtp or command:
            pass  # Postfix hands local mail to Dovecot's LMTP or to a command, which decides where it goes
        elif postfix.get("home_mailbox", "").rstrip("/") != "Maildir":
            problems.append("Postfix delivers to %s (home_mailbox = %s), Dovecot reads %s" % (
                "/var/mail" if not postfix.get("home_mailbox") else "~/" + postfix["home_mailbox"],
                postfix.get("home_mailbox", ""), location))
            fixes.append(both(
                "On %s: sudo postconf -e home_mailbox=Maildir/ and sudo systemctl reload postfix." % self.server,
                "Di %s: sudo postconf -e home_mailbox=Maildir/ lalu sudo systemctl reload postfix." % self.server))
        elif not same_place(location):
            problems.append("Postfix delivers to ~/Maildir/, Dovecot reads %s" % location)
            fixes.append(both(
                "On %s, in /etc/dovecot/conf.d/10-mail.conf: mail_location = maildir:~/Maildir (Dovecot 2.4: mail_driver = "
                "maildir, mail_path = ~/Maildir and #mail_inbox_path), then sudo systemctl restart dovecot." % self.server,
                "Di %s, pada /etc/dovecot/conf.d/10-mail.conf: mail_location = maildir:~/Maildir (Dovecot 2.4: mail_driver = "
                "maildir, mail_path = ~/Maildir dan #mail_inbox_path), lalu sudo systemctl restart dovecot." % self.server))
        for user, found in sorted((state.get("maildirs") or {}).items()):
            if found.get("owner") not in (None, user):
                problems.append("%s is owned by %s, not %s: mail cannot be delivered into it" % (found["path"], found["owner"], user))
                fixes.append(both("On %s: sudo chown -R %s:%s %s" % (self.server, user, user, found["path"]),
                                  "Di %s: sudo chown -R %s:%s %s" % (self.server, user, user, found["path"])))
        if problems:
            self.rows.append(row("Mailbox", FAILED, "; ".join(problems), " ".join(fixes)))
        else:
            self.rows.append(row("Mailbox", OK, "Postfix delivers %s, Dovecot reads %s; each user owns ~/Maildir" % (
                "through Dovecot's LMTP" if lmtp else "through %s" % command if command else "to ~/Maildir/", location)))
