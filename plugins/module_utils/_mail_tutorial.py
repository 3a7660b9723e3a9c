# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The check's tutorial profile (check_profile: tutorial): a server a student built by hand, as the
tutorial teaches. Debian's packages with its snakeoil certificate, SMTP on 25 only, IMAP and POP3 on
143 and 110 as well as 993 and 995, the networks of the tutorial in mynetworks.

What the tutorial builds is accepted with a warning that teaches the better way (a certificate the
clients can verify, 587 with a login, no open relay, a reverse zone); what is broken fails: no MX, no
A record, Postfix or Dovecot down, a message that does not reach ~/Maildir or that Dovecot does not
read. Its own rows give each fix in English and in Bahasa Indonesia."""

from __future__ import annotations

import contextlib
import imaplib
import poplib
import smtplib
import ssl

from ansible_collections.tkj.mailserver.plugins.module_utils._check_report import FAILED, OK, WARNING, row
from ansible_collections.tkj.mailserver.plugins.module_utils._mail_check import MailCheck, _text
from ansible_collections.tkj.mailserver.plugins.module_utils._mail_diagnosis import both
from ansible_collections.tkj.mailserver.plugins.module_utils._mail_session import pinned

# The ways a client reads mail, best first: (port, the check's name).
IMAP_WAYS = ((993, "IMAP 993"), (143, "IMAP 143"))
POP3_WAYS = ((995, "POP3 995"), (110, "POP3 110"))
CONNECT_ERRORS = (OSError, imaplib.IMAP4.error, poplib.error_proto, smtplib.SMTPException, ValueError)
TLS_FIX = both(
    "Clients warn about the tutorial's snakeoil certificate and cannot tell your server from another: use a certificate "
    "of a CA they trust (tkj.mailserver.site makes one from the class's CA; import lab-ca.crt into Thunderbird).",
    "Klien memperingatkan sertifikat snakeoil dari tutorial dan tidak bisa membedakan server Anda dari server lain: pakai "
    "sertifikat dari CA yang mereka percayai (tkj.mailserver.site membuatnya dari CA kelas; impor lab-ca.crt ke Thunderbird).")


# The Indonesian of the fixes the tutorial profile shares with the site profile, by the check's row.
INDONESIAN = {
    "Services": "Di {server}: jalankan layanan yang mati dengan sudo systemctl start NAMA; sudo journalctl -u NAMA -n 30 "
                "menunjukkan kenapa ia berhenti.",
    "DNS": "Tentukan alamat server DNS di check_dns_servers (alamat server DNS guru di kelas).",
    "DNS MX": "Perbaiki record MX zona {domain} di server DNS-nya: @ IN MX 10 {mail_host}. lalu sudo rndc reload {domain}.",
    "DNS A": "Tambahkan record A untuk {mail_host} di zona {domain} (mail IN A <alamat server>), lalu sudo rndc reload {domain}.",
    "SMTP 25": "Di {server}: sudo systemctl status postfix; Postfix harus berjalan dan port 25 tidak boleh ditutup firewall "
               "(sudo nft list ruleset).",
    "IMAP": "Di {server}: sudo systemctl status dovecot; Dovecot harus berjalan, port-nya tidak ditutup firewall, dan login "
            "memakai user dan password dari lembar siswa.",
    "Message": "Di {server}: sudo journalctl -u postfix -u dovecot -n 30 menunjukkan di mana email berhenti; sudo postqueue -p "
               "menampilkan email yang masih menunggu.",
    "Class mail": "Email ke server teman tidak sampai: di {server}, sudo postqueue -p menunjukkan alasannya; periksa MX dan A "
                  "domain teman dengan dig.",
    "Open relay": "Server tidak menjawab di port 25: di {server}, sudo systemctl status postfix.",
}


def unverified():
    """TLS that does not check the certificate: the tutorial's snakeoil one is self-signed."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class TutorialCheck(MailCheck):
    """MailCheck for a server built by hand from the tutorial."""

    def __init__(self, params, *args, **kwargs):
        super().__init__(params, *args, **kwargs)
        self.weak = {}        # port: what a careful client would object to
        self.ways = {}        # imap, pop3: the port that worked
        self.logged_in_587 = False

    def starttls(self, session, port, start):
        """TLS on ``session`` (``start(context)`` does it), verified when it can be; noted in weak when not."""
        try:
            start(self.context())
            self.verified(session.sock)
            return True
        except ssl.SSLCertVerificationError as error:
            message = error.verify_message or str(error)
            self.tls_errors.append(message)
            self.weak[port] = "certificate not verified (%s)" % message
            return False

    def smtp(self, port):
        """An SMTP session to ``port``: STARTTLS verified when it can be, unverified or plain when not."""
        session = smtplib.SMTP(self.mail_host, port, timeout=self.timeout)
        session.ehlo()
        if not session.has_extn("starttls"):
            self.weak[port] = "no STARTTLS: mail and passwords cross the network as plain text"
            return session, _text(session.ehlo_resp).split()[0]
        if not self.starttls(session, port, lambda context: session.starttls(context=context)):
            session.close()
            session = smtplib.SMTP(self.mail_host, port, timeout=self.timeout)
            session.ehlo()
            session.starttls(context=unverified())
        session.ehlo()
        return session, _text(session.ehlo_resp).split()[0]

    def tls_seen(self, port):
        return self.weak.get(port, "STARTTLS, certificate verified")

    def submission_login(self, session, user):
        """A login on 587 when the server offers one (the tutorial's does not open 587 at all)."""
        if not user or not session.has_extn("auth"):
            return ""
        session.login(user["name"], user["password"])
        self.logged_in_587 = True
        return ", login as %s" % user["name"]

    def smtp_row(self, check, port, detail=None, error=None):
        if error is not None and port == 587:
            return row(check, WARNING, "%s; the tutorial's server takes mail on 25 only" % self.explain(error, port)[0], both(
                "Mail clients send on 587 with a login: open the submission service in /etc/postfix/master.cf with "
                "SASL through Dovecot (tkj.mailserver.site sets it up), then sudo systemctl restart postfix.",
                "Klien email mengirim lewat port 587 dengan login: aktifkan layanan submission di /etc/postfix/master.cf "
                "dengan SASL lewat Dovecot (tkj.mailserver.site menyiapkannya), lalu sudo systemctl restart postfix."))
        if error is None and port in self.weak:
            return row(check, WARNING, detail, TLS_FIX)
        return super().smtp_row(check, port, detail, error)

    def soften(self, check, teach, when=None):
        """The failed rows of ``check`` (those ``when`` accepts) as warnings: what the tutorial builds, not broken.
        ``teach(item)`` gives the fix that teaches the better way, (English, Indonesian)."""
        for item in self.rows:
            if item["check"] == check and item["status"] == FAILED and (when is None or when(item)):
                item.update(status=WARNING, fix=both(*teach(item)))

    def check_dns(self):
        super().check_dns()
        self.soften("DNS PTR", lambda item: (
            item["fix"] + " The tutorial has no reverse zone; receivers on the internet want one.",
            "Tambahkan zona reverse dengan record PTR untuk %s; server penerima di internet memerlukannya." % self.mail_host))

    def check_relay(self):
        super().check_relay()
        self.soften("Open relay", lambda _item: (
            "The tutorial's mynetworks 0.0.0.0/0 lets anyone send mail through your server: set mynetworks = "
            "127.0.0.0/8 and your lab's network (sudo postconf -e ...; sudo systemctl reload postfix).",
            "mynetworks 0.0.0.0/0 dari tutorial membuat siapa pun bisa mengirim email lewat server Anda: isi mynetworks = "
            "127.0.0.0/8 dan jaringan lab Anda (sudo postconf -e ...; sudo systemctl reload postfix)."),
            when=lambda item: "open relay" in item["detail"])

    def connect(self, kind, port):
        """A session of ``kind`` (imap, pop3) on ``port``, TLS verified when it can be."""
        tls = port in (993, 995)

        def make(context):
            if kind == "imap":
                return imaplib.IMAP4_SSL(self.mail_host, port, ssl_context=context, timeout=self.timeout) if tls else \
                    imaplib.IMAP4(self.mail_host, port, timeout=self.timeout)
            return poplib.POP3_SSL(self.mail_host, port, timeout=self.timeout, context=context) if tls else \
                poplib.POP3(self.mail_host, port, timeout=self.timeout)

        if tls:
            try:
                session = make(self.context())
                self.verified(session.sock)
                return session
            except ssl.SSLCertVerificationError as error:
                self.tls_errors.append(error.verify_message or str(error))
                self.weak[port] = "certificate not verified (%s)" % (error.verify_message or str(error))
            return make(unverified())
        session = make(None)
        offered = "STARTTLS" in session.capabilities if kind == "imap" else "STLS" in session.capa()
        if not offered:
            self.weak[port] = "no STARTTLS: passwords cross the network as plain text"
            return session
        if not self.starttls(session, port, lambda context: _start_tls(session, context)):
            session = make(None)
            _start_tls(session, unverified())
        return session

    def first_way(self, kind):
        """A session on the port that worked for ``kind``, or on the first that answers; errors: the last one's."""
        ways = IMAP_WAYS if kind == "imap" else POP3_WAYS
        known = [way for way in ways if way[0] == self.ways.get(kind)] or ways
        error = None
        for port, _check in known:
            try:
                session = self.connect(kind, port)
            except CONNECT_ERRORS as failure:
                failure.port = port
                error = failure
                continue
            self.ways[kind] = port
            return session
        raise error

    def imap(self):
        return self.first_way("imap")

    def pop3(self):
        return self.first_way("pop3")

    def check_logins(self):
        _sender, user = self.users()
        for kind, name in (("imap", "IMAP"), ("pop3", "POP3")):
            if self.address is None:
                self.no_address(name)
                continue
            try:
                with pinned(self.mail_host, self.address):
                    session = self.first_way(kind)
                port = self.ways[kind]
                try:
                    detail = "port %d, %s" % (port, self.weak.get(port, "TLS, certificate verified"))
                    if user and kind == "imap":
                        session.login(user["name"], user["password"])
                    elif user:
                        session.user(user["name"])
                        session.pass_(user["password"])
                    if user:
                        detail += ", login as %s" % user["name"]
                finally:
                    with contextlib.suppress(*CONNECT_ERRORS):
                        if kind == "imap":
                            session.logout()
                        else:
                            session.quit()
            except CONNECT_ERRORS as error:
                port = getattr(error, "port", None) or self.ways.get(kind) or (993 if kind == "imap" else 995)
                self.rows.append(row("%s %d" % (name, port), FAILED, *self.explain(error, port)))
                continue
            weak = port in self.weak or port in (143, 110)
            fix = TLS_FIX if port in self.weak else both(
                "Clients should read mail over TLS on 993 (IMAPS) and 995 (POP3S).",
                "Klien sebaiknya membaca email lewat TLS di port 993 (IMAPS) dan 995 (POP3S).")
            self.rows.append(row("%s %d" % (name, port), WARNING, detail, fix) if weak else row("%s %d" % (name, port), OK, detail))

    def check_certificate(self):
        if self.peer_cert is None and self.tls_errors:
            self.rows.append(row("Certificate", WARNING, "not verified: %s" % "; ".join(sorted(set(self.tls_errors))), TLS_FIX))
            return
        super().check_certificate()

    def check_webmail(self):
        super().check_webmail()
        self.soften("Webmail", lambda item: (
            "Roundcube is the tutorial's next lesson: install it (roundcube, with nginx or Apache and PHP) and log in "
            "as a mail user at https://%s/. Until then: %s" % (self.p["webmail_host"], item["fix"]),
            "Roundcube adalah pelajaran berikutnya dari tutorial: pasang (roundcube, dengan nginx atau Apache dan PHP) "
            "lalu login sebagai pengguna email di https://%s/." % self.p["webmail_host"]))

    def submission_port(self):
        return 587 if self.logged_in_587 else 25

    def run(self):
        """Every check; each fix of a row that did not pass in English and in Bahasa Indonesia."""
        rows = super().run()
        fields = {"server": self.server, "domain": self.domain, "mail_host": self.mail_host}
        for item in rows:
            if item["status"] != OK and item["fix"] and "[ID]" not in item["fix"]:
                item["fix"] = both(item["fix"], indonesian(item["check"], fields))
        return rows

    def submit(self, sender, to, subject, text):
        """Over 587 with a login when the server offers it, else over 25 as the tutorial's clients do."""
        if self.logged_in_587:
            super().submit(sender, to, subject, text)
            return
        body = "From: %s\r\nTo: %s\r\nSubject: %s\r\n\r\n%s; it deletes it once read back.\r\n" % (
            self.email(sender), to, subject, text)
        with pinned(self.mail_host, self.address):
            session, _name = self.smtp(25)
            try:
                session.sendmail(self.email(sender), [to], body)
            finally:
                session.close()


def indonesian(check, fields):
    """The Indonesian of a shared fix, by its row's check (IMAP and POP3 rows share theirs)."""
    key = "IMAP" if check.startswith(("IMAP", "POP3")) else check
    return INDONESIAN.get(key, "Baca kolom 'What the check saw' dan ikuti perbaikan berbahasa Inggris di atas.").format(**fields)


def _start_tls(session, context):
    """STARTTLS on an IMAP or a POP3 session."""
    if isinstance(session, imaplib.IMAP4):
        session.starttls(ssl_context=context)
    else:
        session.stls(context=context)


def checker(params):
    """The check of ``params["profile"]``: site (what tkj.mailserver.site builds) or tutorial."""
    return (TutorialCheck if params.get("profile") == "tutorial" else MailCheck)(params)
