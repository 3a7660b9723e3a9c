# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Mail sessions of tkj.mailserver.check: connections pinned to the address DNS gave, and a message sent
over 587 and read back over IMAP and POP3, on one server and from one student's server to the next."""

from __future__ import annotations

import contextlib
import imaplib
import poplib
import smtplib
import socket
import time
import uuid

from ansible_collections.tkj.mailserver.plugins.module_utils._check_report import FAILED, OK, WARNING, row


@contextlib.contextmanager
def pinned(name, address):
    """Connections to ``name`` go to ``address`` (the one DNS gave) while TLS still checks ``name``,
    as a mail client that looked the name up does."""
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        return real(address if str(host).rstrip(".").lower() == name else host, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo
    try:
        yield
    finally:
        socket.getaddrinfo = real


def _port(connect, port):
    """``connect()``, with the port it was for noted on its error (the fix depends on it)."""
    try:
        return connect()
    except OSError as error:
        error.port = port
        raise


class MessageChecks:
    """The checks that send a message, for MailCheck: it gives users(), email(), smtp(), imap(), pop3(),
    ask(), explain(), dns_fix(), no_address(), ``p``, ``server``, ``mail_host``, ``address``, ``rows``
    and ``clock``."""

    def check_message(self):
        """A message from one user to another over 587, read back over IMAP and POP3, then deleted."""
        sender, recipient = self.users()
        if sender is None:
            self.rows.append(row("Message", WARNING, "not tried: no user with a password in dovecot_users",
                                 "Add users with their passwords (lab_users) to test a message from one to another."))
            return
        if self.address is None:
            self.no_address("Message")
            return
        subject = "tkj.mailserver.check %s" % uuid.uuid4().hex[:12]
        route = "%s -> %s over %d" % (self.email(sender), self.email(recipient), self.submission_port())
        started = self.clock()
        try:
            self.submit(sender, self.email(recipient), subject, "A test message of tkj.mailserver.check")
            with pinned(self.mail_host, self.address):
                self.read_back(recipient, subject)
        except (OSError, smtplib.SMTPException, imaplib.IMAP4.error, poplib.error_proto, ValueError) as error:
            detail, fix = self.explain(error, getattr(error, "port", self.submission_port()))
            self.rows.append(row("Message", FAILED, "%s: %s" % (route, detail), fix))
            return
        except LookupError as error:
            mailbox = [item for item in self.rows if item["check"] == "Mailbox" and item["status"] == FAILED]
            self.rows.append(row("Message", FAILED, "%s: %s" % (route, error), "The Mailbox row says why: " + mailbox[0]["fix"] if mailbox else (
                "On %s: sudo tail -n 30 /var/log/mail.log (or journalctl -u postfix -u dovecot) says where it stopped; "
                "sudo postqueue -p lists mail still waiting." % self.server)))
            return
        self.rows.append(row("Message", OK, "%s, read back over IMAP and POP3 after %.1f s, then deleted" % (
            route, self.clock() - started)))

    def submission_port(self):
        """The port the test messages are sent on."""
        return 587

    def submit(self, sender, to, subject, text):
        """Send a test message from ``sender`` (a user of this server) to the address ``to`` over this server's 587."""
        body = "From: %s\r\nTo: %s\r\nSubject: %s\r\n\r\n%s; it deletes it once read back.\r\n" % (
            self.email(sender), to, subject, text)
        with pinned(self.mail_host, self.address):
            session, _name = self.smtp(587)
            try:
                session.login(sender["name"], sender["password"])
                session.sendmail(self.email(sender), [to], body)
            finally:
                session.close()

    def read_back(self, user, subject):
        """Wait for the message in the user's INBOX over IMAP, find it over POP3 too, delete it."""
        deadline = self.clock() + self.p["message_wait"]
        session = _port(self.imap, 993)
        try:
            session.login(user["name"], user["password"])
            while True:
                session.select("INBOX")
                found = session.search(None, "SUBJECT", '"%s"' % subject)[1][0].split()
                if found or self.clock() > deadline:
                    break
                time.sleep(0.5)
            if not found:
                raise LookupError("not in %s's INBOX over IMAP after %d s" % (user["name"], self.p["message_wait"]))
            pop = _port(self.pop3, 995)
            try:
                pop.user(user["name"])
                pop.pass_(user["password"])
                count = len(pop.list()[1])
                headers = [b"\n".join(pop.top(number, 0)[1]) for number in range(count, max(count - 50, 0), -1)]
            finally:
                with contextlib.suppress(OSError, poplib.error_proto):
                    pop.quit()
            if not any(subject.encode() in header for header in headers):
                raise LookupError("in the INBOX over IMAP, not over POP3")
            for number in found:
                session.store(number, "+FLAGS", "\\Deleted")
            session.expunge()
        finally:
            with contextlib.suppress(OSError, imaplib.IMAP4.error):
                session.logout()

    def check_class_mail(self):
        """In a class (the send_to option): a message from this server's first user to the next student's
        first user, sent over this server's 587 and read back over IMAP and POP3 on the next one's server."""
        target = self.p.get("send_to")
        if not target:
            return
        receiver = type(self)(dict(self.p, server=target["server"], domain=target["domain"], mail_host=target["mail_host"],
                                   users=target["users"], send_to=None), self.resolve, self.clock)
        sender, _recipient = self.users()
        reader, _other = receiver.users()
        if sender is None or reader is None:
            self.rows.append(row("Class mail", WARNING, "not tried: %s has no user with a password in dovecot_users" % (
                self.server if sender is None else receiver.server), "Give every student's server the class's users."))
            return
        route = "%s -> %s" % (self.email(sender), receiver.email(reader))
        if self.address is None:
            self.no_address("Class mail")
            return
        addresses = sorted({address for _server, found, _problem in receiver.ask(receiver.mail_host, "A") for address in found})
        if not addresses:
            self.rows.append(row("Class mail", FAILED, "%s: DNS gives no address for %s" % (route, receiver.mail_host),
                                 receiver.dns_fix("%s IN A <the server's address>" % receiver.mail_host.split(".")[0])))
            return
        receiver.address = addresses[0]
        subject = "tkj.mailserver.check class %s" % uuid.uuid4().hex[:12]
        started = self.clock()
        try:
            self.submit(sender, receiver.email(reader), subject, "A class test message of tkj.mailserver.check, from %s to %s" % (
                self.server, receiver.server))
        except (OSError, smtplib.SMTPException, ValueError) as error:
            detail, fix = self.explain(error, self.submission_port())
            self.rows.append(row("Class mail", FAILED, "%s: not sent: %s" % (route, detail), fix))
            return
        try:
            with pinned(receiver.mail_host, receiver.address):
                receiver.read_back(reader, subject)
        except (OSError, imaplib.IMAP4.error, poplib.error_proto, ValueError) as error:
            detail, fix = receiver.explain(error, getattr(error, "port", 993))
            self.rows.append(row("Class mail", FAILED, "%s: sent, not read back on %s: %s" % (route, receiver.server, detail), fix))
            return
        except LookupError as error:
            self.rows.append(row("Class mail", FAILED, "%s: sent, %s on %s" % (route, error, receiver.server), (
                "On %s: sudo postqueue -p shows it waiting, and why; on %s: sudo systemctl status postfix, and "
                "sudo journalctl -u postfix -n 30." % (self.server, receiver.server))))
            return
        self.rows.append(row("Class mail", OK, "%s, read back on %s after %.1f s, then deleted" % (
            route, receiver.server, self.clock() - started)))
