# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The checks of tkj.mailserver.check: one mail server as its clients see it, through DNS, SMTP,
IMAP and POP3 with TLS verified, with the fix for each failure.

Each check gives a row {"check", "status" (ok, failed or warning), "detail", "fix"} (_check_report.py,
with the tables); the checks that send a message are in _mail_session.py. Python's own smtplib,
imaplib, poplib and ssl do the talking, so the checks run on any host with Python 3."""

from __future__ import annotations

import contextlib
import imaplib
import poplib
import smtplib
import socket
import ssl
import time

from ansible_collections.tkj.mailserver.plugins.module_utils import _dns_client as dns
from ansible_collections.tkj.mailserver.plugins.module_utils._check_report import FAILED, OK, WARNING, row
from ansible_collections.tkj.mailserver.plugins.module_utils._mail_diagnosis import MailboxChecks
from ansible_collections.tkj.mailserver.plugins.module_utils._mail_session import MessageChecks, pinned
from ansible_collections.tkj.mailserver.plugins.module_utils._webmail_check import WebmailChecks

# The service behind each port, for the fix of a port that does not answer.
SERVICES = {25: "postfix", 465: "postfix", 587: "postfix", 110: "dovecot", 143: "dovecot", 993: "dovecot", 995: "dovecot", 443: "nginx"}


class MailCheck(MessageChecks, MailboxChecks, WebmailChecks):
    """The checks of one mail server. ``params`` are the mail_check module's options; ``resolve`` is
    the DNS client's query function (a fake one in unit tests)."""

    def __init__(self, params, resolve=dns.query, clock=time.time):
        self.p = params
        self.server = params["server"]
        self.domain = params["domain"].lower().rstrip(".")
        self.mail_host = params["mail_host"].lower().rstrip(".")
        self.dns_servers = params["dns_servers"] or dns.resolv_conf_servers()
        self.timeout = params["timeout"]
        self.resolve = resolve
        self.clock = clock
        self.address = None
        self.peer_cert = None
        self.tls_errors = []
        self.rows = []

    # --- helpers -------------------------------------------------------------------------------

    def context(self):
        """TLS as a careful client does it: the certificate must chain to the CA and name the host."""
        return ssl.create_default_context(cadata=self.p["ca_pem"] or None)

    def ask(self, name, rtype):
        """Each DNS server's answer: [(server, values or None, problem)]."""
        answers = []
        for server in self.dns_servers:
            try:
                answer = self.resolve(server, name, rtype, timeout=self.timeout)
            except dns.DnsError as error:
                answers.append((server, None, str(error)))
                continue
            found = dns.values(answer, rtype)
            problem = "" if found else "%s has no %s record (%s)" % (name.rstrip("."), rtype, answer["rcode"])
            answers.append((server, found, problem))
        return answers

    def dns_fix(self, record, zone=None, variable="dns_zones, or lab_zone in inventories/lab"):
        """The fix for a DNS record that is missing or wrong."""
        return ("Give the zone %s the record %s (%s), run tkj.mailserver.site; the DNS servers asked: %s "
                "(check_dns_servers)." % (zone or self.domain, record, variable, ", ".join(self.dns_servers)))

    def tls_fix(self, message):
        """The fix for a certificate that does not verify, by the reason OpenSSL gave."""
        if "hostname" in message.lower():
            return "Add %s to tls_names and run tkj.mailserver.site." % self.mail_host
        if "expired" in message:
            return "Run tkj.mailserver.site: the tls role renews a certificate within tls_renew_days of its end."
        return ("This check trusts %s. With tls_mode snakeoil no client can verify the server: use tls_mode lab_ca "
                "and import lab-ca.crt, or tls_mode own with a certificate from a CA." % (
                    "the lab CA (check_ca_file)" if self.p["ca_pem"] else "the system's CAs (no check_ca_file)"))

    def explain(self, error, port):
        """A connection's failure as (detail, fix), in words a student can act on."""
        where = "%s:%d" % (self.address, port)
        service = SERVICES.get(port, "the service")
        if isinstance(error, ssl.SSLCertVerificationError):
            message = error.verify_message or str(error)
            self.tls_errors.append(message)
            return "the certificate of %s does not verify: %s" % (where, message), self.tls_fix(message)
        if isinstance(error, ConnectionRefusedError):
            return ("nothing listens on %s (connection refused)" % where, self.firewall_fix(port) or
                    "On %s: sudo systemctl status %s; start it with sudo systemctl start %s." % (self.server, service, service))
        if isinstance(error, (socket.timeout, TimeoutError)):
            return ("no answer from %s within %d s" % (where, self.timeout), self.firewall_fix(port) or
                    "Open port %d in the firewall between here and %s (README: Reaching the servers)." % (port, self.server))
        dovecot = ("Postfix cannot reach Dovecot, which checks the logins: on %s, sudo systemctl status dovecot."
                   % self.server)
        if isinstance(error, smtplib.SMTPServerDisconnected):
            return ("%s closed the connection (%s)" % (where, _text(error)),
                    "On %s: sudo journalctl -u postfix -n 30 says why.%s" % (
                        self.server, " On port 587 the usual cause: " + dovecot if port == 587 else ""))
        if isinstance(error, smtplib.SMTPAuthenticationError) and 400 <= error.smtp_code < 500:
            return "%s: login failed for now: %d %s" % (where, error.smtp_code, _text(error)), dovecot
        if isinstance(error, smtplib.SMTPNotSupportedError):
            return "%s offers no login (no AUTH after STARTTLS)" % where, dovecot
        if isinstance(error, (imaplib.IMAP4.error, poplib.error_proto, smtplib.SMTPAuthenticationError)):
            return ("%s: login refused: %s" % (where, _text(error)),
                    "The password in dovecot_users (lab_users) must be the user's: run tkj.mailserver.site to set it.")
        return "%s: %s" % (where, _text(error)), "On %s: sudo systemctl status %s; sudo journalctl -u %s -n 30." % (
            self.server, service, service)

    def verified(self, sock):
        """Note the certificate of a verified TLS connection (for the certificate's row)."""
        if self.peer_cert is None:
            self.peer_cert = sock.getpeercert()

    def users(self):
        """The sender and the recipient of the test message (the same user when there is one)."""
        users = [user for user in self.p["users"] if user.get("password")]
        return (users[0], users[1 if len(users) > 1 else 0]) if users else (None, None)

    def email(self, user):
        return "%s@%s" % (user["name"], self.domain)

    # --- the checks ---------------------------------------------------------------------------

    def check_services(self):
        for host, units in self.p["services"].items():
            if not units:
                self.rows.append(row("Services", FAILED, "%s: not looked at in this run (unreachable, or left out by --limit)" % host,
                                     "Make %s reachable for Ansible (README: Reaching the servers), or run without --limit." % host))
                continue
            stopped = {unit: state for unit, state in units.items() if state != "active"}
            if not stopped:
                self.rows.append(row("Services", OK, "%s: %s active" % (host, ", ".join(units))))
                continue
            self.rows.append(row("Services", FAILED, "%s: %s" % (host, ", ".join(
                "%s is %s" % item for item in stopped.items())), " ".join(
                "On %s: sudo systemctl start %s; sudo journalctl -u %s -n 30 shows why it stopped." % (host, unit.split("@")[0], unit)
                for unit in stopped)))

    def check_dns(self):
        if not self.dns_servers:
            self.rows.append(row("DNS", FAILED, "no DNS server to ask: none in check_dns_servers nor in /etc/resolv.conf",
                                 "Set check_dns_servers to the address of your DNS server."))
            return
        answers = self.ask(self.domain, "MX")
        problems = [(server, problem) for server, _found, problem in answers if problem]
        wrong = [(server, found) for server, found, _problem in answers
                 if found and self.mail_host + "." not in [host for _preference, host in found]]
        record = "@ IN MX 10 %s." % self.mail_host
        if problems or wrong:
            self.rows.append(row("DNS MX", FAILED, "; ".join(
                ["%s: %s" % item for item in problems]
                + ["%s: MX %s, not %s" % (server, " ".join("%d %s" % mx for mx in found), self.mail_host) for server, found in wrong]),
                self.dns_fix(record)))
        else:
            self.rows.append(row("DNS MX", OK, "%s MX %s (%s)" % (self.domain, " ".join(
                "%d %s" % mx for mx in answers[0][1]), ", ".join(self.dns_servers))))

        answers = self.ask(self.mail_host, "A")
        problems = ["%s: %s" % (server, problem) for server, _found, problem in answers if problem]
        seen = sorted({tuple(sorted(found)) for _server, found, _problem in answers if found})
        if len(seen) > 1:
            problems.append("the DNS servers disagree: %s" % "; ".join(
                "%s: %s" % (server, " ".join(found)) for server, found, _problem in answers if found))
        if problems:
            self.rows.append(row("DNS A", FAILED, "; ".join(problems), self.dns_fix(
                "%s IN A <the server's address>" % self.mail_host.split(".")[0])))
        if seen:
            self.address = seen[0][0]
        if not problems:
            self.rows.append(row("DNS A", OK, "%s A %s" % (self.mail_host, " ".join(seen[0]))))
        if self.address is None:
            return
        answers = self.ask(dns.reverse_name(self.address), "PTR")
        problems = ["%s: %s" % (server, problem) for server, _found, problem in answers if problem]
        problems += ["%s: PTR %s, not %s" % (server, " ".join(found), self.mail_host)
                     for server, found, _problem in answers if found and self.mail_host + "." not in found]
        reverse_zone = ".".join(reversed(self.address.split(".")[:3])) + ".in-addr.arpa"
        if problems:
            self.rows.append(row("DNS PTR", FAILED, "; ".join(problems), self.dns_fix(
                "%s IN PTR %s." % (self.address.split(".")[3], self.mail_host), reverse_zone, "dns_reverse_zones")))
        else:
            self.rows.append(row("DNS PTR", OK, "%s PTR %s" % (self.address, self.mail_host)))

    def no_address(self, check):
        self.rows.append(row(check, FAILED, "not tried: DNS gave no address for %s" % self.mail_host,
                             "Fix the DNS A row first."))

    def smtp(self, port):
        """An SMTP session to ``port`` with STARTTLS done, and the name the server gave in its EHLO answer."""
        # smtplib takes the name TLS checks from the host it is made with (so: made connected).
        session = smtplib.SMTP(self.mail_host, port, timeout=self.timeout)
        session.ehlo()
        if not session.has_extn("starttls"):
            session.close()
            raise smtplib.SMTPException("offers no STARTTLS")
        session.starttls(context=self.context())
        self.verified(session.sock)
        session.ehlo()
        return session, _text(session.ehlo_resp).split()[0]

    def submission_login(self, session, user):
        """On 587: the login, as a mail client sends; what it adds to the row's detail."""
        if not session.has_extn("auth"):
            raise smtplib.SMTPNotSupportedError("offers no AUTH after STARTTLS")
        if not user:
            return ""
        session.login(user["name"], user["password"])
        return ", login as %s" % user["name"]

    def smtp_row(self, check, port, detail=None, error=None):
        """The row of an SMTP port: what the session saw, or the error that ended it."""
        return row(check, OK, detail) if error is None else row(check, FAILED, *self.explain(error, port))

    def check_smtp(self):
        user, _recipient = self.users()
        for port, check in ((25, "SMTP 25"), (587, "SMTP 587")):
            if self.address is None:
                self.no_address(check)
                continue
            try:
                with pinned(self.mail_host, self.address):
                    session, name = self.smtp(port)
                    try:
                        detail = "%s answers, %s" % (name, self.tls_seen(port))
                        if port == 587:
                            detail += self.submission_login(session, user)
                    finally:
                        session.close()
            except (OSError, smtplib.SMTPException, ValueError) as error:
                self.rows.append(self.smtp_row(check, port, error=error))
                continue
            self.rows.append(self.smtp_row(check, port, detail))

    def tls_seen(self, _port):
        """What TLS on a port that answered was like."""
        return "STARTTLS, certificate verified"

    def check_relay(self):
        """Mail for a domain the server does not receive for, from a client that did not log in, must be refused."""
        if self.address is None:
            self.no_address("Open relay")
            return
        recipient = "relay-probe@%s" % self.p["relay_domain"]
        try:
            with pinned(self.mail_host, self.address):
                session = smtplib.SMTP(self.mail_host, 25, timeout=self.timeout)
            try:
                session.ehlo()
                session.mail("<>")
                code, text = session.rcpt(recipient)
                session.rset()
            finally:
                session.close()
        except (OSError, smtplib.SMTPException) as error:
            self.rows.append(row("Open relay", FAILED, *self.explain(error, 25)))
            return
        if 200 <= code < 300:
            self.rows.append(row("Open relay", FAILED, "port 25 accepted mail for %s without a login: an open relay (%d %s)" % (
                recipient, code, _text(text)), "Set postfix_mynetworks to [] (never 0.0.0.0/0) and run tkj.mailserver.site."))
        else:
            self.rows.append(row("Open relay", OK, "mail for %s without login refused: %d %s" % (recipient, code, _text(text))))

    def imap(self):
        session = imaplib.IMAP4_SSL(self.mail_host, 993, ssl_context=self.context(), timeout=self.timeout)
        self.verified(session.sock)
        return session

    def pop3(self):
        session = poplib.POP3_SSL(self.mail_host, 995, timeout=self.timeout, context=self.context())
        self.verified(session.sock)
        return session

    def check_logins(self):
        _sender, user = self.users()
        for port, check, connect in ((993, "IMAP 993", self.imap), (995, "POP3 995", self.pop3)):
            if self.address is None:
                self.no_address(check)
                continue
            try:
                with pinned(self.mail_host, self.address):
                    session = connect()
                try:
                    detail = "TLS, certificate verified"
                    if user and port == 993:
                        session.login(user["name"], user["password"])
                        detail += ", login as %s" % user["name"]
                    elif user:
                        session.user(user["name"])
                        session.pass_(user["password"])
                        detail += ", login as %s" % user["name"]
                finally:
                    if port == 993:
                        with contextlib.suppress(OSError, imaplib.IMAP4.error):
                            session.logout()
                    else:
                        with contextlib.suppress(OSError, poplib.error_proto):
                            session.quit()
                self.rows.append(row(check, OK, detail))
            except (OSError, imaplib.IMAP4.error, poplib.error_proto, ValueError) as error:
                self.rows.append(row(check, FAILED, *self.explain(error, port)))

    def check_certificate(self):
        if self.peer_cert is None:
            self.rows.append(row("Certificate", FAILED, "no TLS connection verified: %s" % (
                "; ".join(sorted(set(self.tls_errors))) or "none succeeded (see the rows above)"),
                self.tls_fix(self.tls_errors[0]) if self.tls_errors else "Fix the rows above first."))
            return
        names = [value for kind, value in self.peer_cert.get("subjectAltName", ()) if kind == "DNS"]
        ends = ssl.cert_time_to_seconds(self.peer_cert["notAfter"])
        days = int((ends - self.clock()) // 86400)
        detail = "%s; valid until %s (%d days)" % (", ".join(names), time.strftime("%Y-%m-%d", time.gmtime(ends)), days)
        if days < self.p["min_days"]:
            self.rows.append(row("Certificate", WARNING, detail, "Run tkj.mailserver.site: the tls role renews a certificate "
                                 "within tls_renew_days (30) of its end; a certificate of tls_mode own you renew yourself."))
        else:
            self.rows.append(row("Certificate", OK, detail))

    def check_records(self):
        """The SPF, DKIM and DMARC records the mail_auth role made, as the DNS servers answer them."""
        kinds = {"SPF": [], "DKIM": [], "DMARC": []}
        for record in self.p["records"]:
            name = record["name"]
            kind = "DMARC" if name == "_dmarc" else "DKIM" if name.endswith("._domainkey") else "SPF"
            kinds[kind].append(record)
        for kind, records in kinds.items():
            if not records:
                continue
            problems, seen = [], []
            for record in records:
                owner = record["zone"] if record["name"] == "@" else "%s.%s" % (record["name"], record["zone"])
                for server, found, problem in self.ask(owner, "TXT"):
                    if problem:
                        problems.append("%s: %s" % (server, problem))
                    elif record["value"] not in found:
                        problems.append("%s: %s TXT is not the one mail_auth made (%s)" % (server, owner, _short(" | ".join(found))))
                seen.append(owner)
            if problems:
                self.rows.append(row(kind, FAILED, "; ".join(problems), (
                    "Run tkj.mailserver.site: the dns role publishes the records of the mail_auth role in the zone of "
                    "each domain (the zone must be on a host of dns_servers).")))
            else:
                self.rows.append(row(kind, OK, "published: %s" % ", ".join(seen)))

    def run(self):
        """Every check, in the order mail flows; the rows."""
        self.check_services()
        self.check_dns()
        self.check_smtp()
        self.check_relay()
        self.check_logins()
        self.check_certificate()
        self.check_mailbox()
        self.check_message()
        self.check_queue()
        self.check_webmail()
        self.check_class_mail()
        self.check_records()
        return self.rows


def _text(value):
    """Bytes or an exception from a mail server as one line of text."""
    if isinstance(value, Exception) and value.args:
        value = value.args[-1] if isinstance(value, smtplib.SMTPResponseException) else value.args[0]
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return " ".join(str(value).split())


def _short(text, width=60):
    return text if len(text) <= width else text[:width - 3] + "..."
