"""The tutorial's six stages end to end, between two lab domains on two Debian releases:
client -> SMTP (submission on the sender's server) -> DNS (MX of the recipient's domain from ns1)
-> the recipient's server -> Maildir -> IMAP/POP3 back to the client. The client finds the servers
by name through DNS and verifies their certificates against the lab CA; the servers verify each
other."""

import re

import pytest

from mailtests import maildir_files_with, probe, unique_subject, wait_for


DIRECTIONS = [("mail-alpha", "mail-beta"), ("mail-beta", "mail-alpha")]


def test_client_finds_each_domains_mx_through_ns1(client, servers, dns):
    """Stage 3 from the client's side: ns1 answers each lab domain's MX and the mail host's A."""
    for server in servers.values():
        mx = client.check_output("dig +short @%s %s MX", dns["address"], server["domain"])
        assert mx.split() == ["10", server["hostname"] + "."]
        address = client.check_output("dig +short @%s %s A", dns["address"], server["hostname"])
        assert address.split() == [server["address"]]


@pytest.mark.parametrize("sender_name,recipient_name", DIRECTIONS, ids=["alpha-to-beta", "beta-to-alpha"])
def test_client_smtp_dns_recipient_server_maildir_imap_pop3(client, client_address, servers, sender_name, recipient_name):
    """A message submitted by the client on the sender's server (587, STARTTLS, login) reaches the
    other domain's server through its MX, lands in the recipient's ~/Maildir/new, and the client
    reads it back over IMAPS and POP3S; the Received headers show the path. The client reaches the
    servers by name (DNS from ns1) and verifies their certificates; the two servers verified each
    other's (the sender logs a verified connection, the recipient a trusted client certificate)."""
    sender, recipient = servers[sender_name], servers[recipient_name]
    subject = unique_subject("%s-to-%s" % (sender_name, recipient_name))
    body = "Dari %s untuk %s: enam tahap.\n" % (sender["email"], recipient["email"])

    # Stages 1-2: client -> SMTP submission on the sender's server.
    sent = probe(client, "send", "--server", sender["hostname"], "--port", 587, "--starttls", "--user", sender["user"],
                 "--sender", sender["email"], "--to", recipient["email"], "--subject", subject, "--body", body,
                 password=sender["password"])
    assert sent["ok"] and sent["authenticated"], sent
    assert sent["tls"]["peer"] == sender["hostname"], sent

    # Stages 3-4: the sender's Postfix looked up the recipient domain's MX (via ns1) and delivered there.
    relay = "relay=%s[%s]:25" % (recipient["hostname"], recipient["address"])
    wait_for(lambda: any(recipient["email"] in line and relay in line and "status=sent" in line
                         for line in sender["host"].check_output("journalctl --no-pager -o cat -t postfix/smtp").splitlines()),
             what="delivery from %s to %s through its MX" % (sender_name, recipient["hostname"]))

    # Verified TLS between the servers, both ways round: the sender checked the recipient's
    # certificate, the recipient checked the sender's client certificate.
    sender_log = sender["host"].check_output("journalctl --no-pager -o cat -t postfix/smtp")
    assert "Verified TLS connection established to %s[%s]:25" % (recipient["hostname"], recipient["address"]) in sender_log
    # (The recipient names the client by its reverse DNS, which inside Docker is the container's name.)
    recipient_log = recipient["host"].check_output("journalctl --no-pager -o cat -t postfix/smtpd")
    assert re.search(r"Trusted TLS connection established from \S+\[%s\]" % re.escape(sender["address"]), recipient_log)

    # Stage 5: the message is a file in the recipient's Maildir.
    files = wait_for(lambda: maildir_files_with(recipient["host"], recipient["user"], subject), what="delivery to ~/Maildir/new")
    assert len(files) == 1

    # Stage 6: the client reads it back over IMAPS and POP3S.
    imap = probe(client, "imap", "--server", recipient["hostname"], "--port", 993, "--ssl", "--user", recipient["user"],
                 "--subject", subject, password=recipient["password"])
    assert imap["login"], imap
    assert [(m["subject"], m["body"].strip()) for m in imap["messages"]] == [(subject, body.strip())]
    # With a mailbox quota Dovecot delivers (LMTP) and adds its own Received header on top; the
    # servers' Postfix headers follow.
    received = imap["messages"][0]["received"]
    if recipient["quota"]:
        assert "with LMTP" in received[0], received[0]
        received = received[1:]
    assert "by %s" % recipient["hostname"] in received[0] and sender["hostname"] in received[0]
    assert "using TLS" in received[0] and '(Client CN "%s", Issuer' % sender["hostname"] in received[0] and "(verified OK)" in received[0], received[0]
    assert "by %s" % sender["hostname"] in received[1] and client_address in received[1]

    pop3 = probe(client, "pop3", "--server", recipient["hostname"], "--port", 995, "--ssl", "--user", recipient["user"],
                 "--subject", subject, password=recipient["password"])
    assert pop3["login"], pop3
    assert [m["subject"] for m in pop3["messages"]] == [subject]
