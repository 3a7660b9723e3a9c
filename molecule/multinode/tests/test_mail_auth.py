"""Authenticated mail between the lab domains (issue 16), on Debian 12 (mail-alpha) and Debian 13
(mail-beta), from the client container:

- each mail domain's DKIM key, SPF and DMARC records are published by the lab DNS (ns1, and mail-beta
  as its secondary) in the run that made the key; the key on the mail host is readable only by opendkim;
- mail sent with SMTP AUTH is signed (d= the sender's domain, s= the selector) and the other lab server
  verifies it: Authentication-Results with dkim=pass, spf=pass and dmarc=pass;
- mail from the client that claims a lab domain it does not come from fails DMARC and, under p=reject,
  is refused at SMTP time (5.7.1) and never delivered; mail from a domain without DMARC still arrives,
  with the verdict written;
- a new selector publishes a new key and signs with it; the old record stays during the grace period,
  and a run with grace_days 0 retires it.
"""

import pytest

from conftest import finished
from mailtests import maildir_files_with, probe, unique_subject, wait_for

DELIVERY_TIMEOUT = 60
KEY_DIR = "/etc/dkimkeys"


def selector_of(server):
    """The selector the server signs with, from OpenDKIM's key table (DOMAIN DOMAIN:SELECTOR:KEY)."""
    line = next(line for line in server["host"].file("/etc/opendkim/key.table").content_string.splitlines()
                if line.startswith(server["domain"] + " "))
    return line.split()[1].split(":")[1]


def signing_domains(server):
    return [server["domain"]] + server["hosted_domains"]


def published_strings(client, dns_address, name):
    """The character-strings of the TXT records at ``name``, as the lab DNS answers the client: a list
    of records, each a list of strings (dig prints each string quoted)."""
    output = client.check_output("dig +short @%s %s TXT", dns_address, name)
    return [line.strip().strip('"').split('" "') for line in output.splitlines() if line.strip()]


def host_public_key(server, domain, selector):
    """The base64 public key of the private key on the mail host."""
    return server["host"].check_output("openssl pkey -in %s/%s.%s.private -pubout -outform DER | base64 -w0",
                                       KEY_DIR, domain, selector)


def message_of(server, user, subject):
    wait_for(lambda: maildir_files_with(server["host"], user, subject), timeout=DELIVERY_TIMEOUT,
             what="%r in %s's Maildir on %s" % (subject, user, server["hostname"]))
    files = maildir_files_with(server["host"], user, subject)
    assert len(files) == 1, files
    return server["host"].file(files[0]).content_string


def headers(text, name):
    """The unfolded values of the header fields called ``name``."""
    head = text.split("\n\n", 1)[0].replace("\n\t", " ").replace("\n ", " ")
    return [line.split(":", 1)[1].strip() for line in head.splitlines() if line.lower().startswith(name.lower() + ":")]


def send_signed(client, sender, recipient, subject):
    """ana@alpha.lab (or bob@beta.lab) sends with SMTP AUTH on 587, as a mail client does."""
    return probe(client, "send", *sender["at"], "--port", 587, "--starttls", "--user", sender["user"], "--sender", sender["email"],
                 "--to", recipient["email"], "--subject", subject, "--body", "signed by %s" % sender["domain"],
                 password=sender["password"])


@pytest.mark.parametrize("name", ["mail-alpha", "mail-beta"])
def test_each_domain_publishes_its_key_spf_and_dmarc(client, servers, dns, name):
    """For every domain of the server, SELECTOR._domainkey is the public half of the key on the mail
    host (in strings of at most 255 bytes), SPF is "v=spf1 mx -all" and DMARC names the policy and
    the postmaster; the primary and the secondary DNS server answer the same."""
    server = servers[name]
    selector = selector_of(server)
    for domain in signing_domains(server):
        for address in (dns["address"], dns["secondary"]["address"]):
            key = published_strings(client, address, "%s._domainkey.%s" % (selector, domain))
            assert len(key) == 1 and all(len(part.encode()) <= 255 for part in key[0]) and len(key[0]) >= 2, key
            assert "".join(key[0]) == "v=DKIM1; k=rsa; p=" + host_public_key(server, domain, selector)
            apex = ["".join(record) for record in published_strings(client, address, domain)]
            assert apex == ["v=spf1 mx -all"], (domain, apex)
            dmarc = ["".join(record) for record in published_strings(client, address, "_dmarc." + domain)]
            assert dmarc == ["v=DMARC1; p=reject; rua=mailto:postmaster@%s" % domain], (domain, dmarc)


@pytest.mark.parametrize("name", ["mail-alpha", "mail-beta"])
def test_private_keys_are_readable_only_by_the_signer(servers, name):
    """Each domain's key is a 2048-bit RSA key, mode 0600, owned by opendkim, in a 0700 directory;
    Postfix passes every message through both milters, on UNIX sockets only its group may use."""
    server = servers[name]
    keys = server["host"].file(KEY_DIR)
    assert keys.user == "opendkim" and keys.mode == 0o700
    for domain in signing_domains(server):
        key = server["host"].file("%s/%s.%s.private" % (KEY_DIR, domain, selector_of(server)))
        assert key.user == "opendkim" and key.mode == 0o600
        assert "2048 bit" in server["host"].check_output("openssl pkey -in %s -noout -text | head -1", key.path)
    assert server["host"].check_output("postconf -h smtpd_milters") == "unix:opendkim/opendkim.sock, unix:opendmarc/opendmarc.sock"
    for milter in ("opendkim", "opendmarc"):
        socket = server["host"].file("/var/spool/postfix/%s/%s.sock" % (milter, milter))
        assert socket.is_socket and socket.user == milter and socket.group == "postfix" and socket.mode == 0o770
    assert all(server["host"].service(name).is_running for name in ("opendkim", "opendmarc"))


@pytest.mark.parametrize("sender_name, recipient_name", [("mail-alpha", "mail-beta"), ("mail-beta", "mail-alpha")])
def test_signed_mail_passes_dkim_spf_and_dmarc_at_the_other_server(client, servers, sender_name, recipient_name):
    """Mail sent with SMTP AUTH carries a DKIM signature of the sender's domain and selector; the other
    lab server writes Authentication-Results (its own name) with dkim, spf and dmarc all pass."""
    sender, recipient = servers[sender_name], servers[recipient_name]
    subject = unique_subject("dkim")
    sent = send_signed(client, sender, recipient, subject)
    assert sent["ok"], sent
    text = message_of(recipient, recipient["user"], subject)
    signatures = headers(text, "DKIM-Signature")
    assert len(signatures) == 1, signatures
    tags = dict(tag.strip().split("=", 1) for tag in signatures[0].split(";") if "=" in tag)
    assert tags["d"] == sender["domain"] and tags["s"] == selector_of(sender) and tags["a"] == "rsa-sha256", tags
    results = " ".join(value for value in headers(text, "Authentication-Results") if value.startswith(recipient["hostname"]))
    assert "dkim=pass" in results and "header.d=%s" % sender["domain"] in results, results
    assert "spf=pass" in results and "smtp.mailfrom=%s" % sender["domain"] in results, results
    assert "dmarc=pass" in results and "header.from=%s" % sender["domain"] in results, results


def test_a_forged_lab_sender_is_refused_under_p_reject(client, servers):
    """The client, which is not alpha.lab's MX, sends to mail-beta as ana@alpha.lab without a
    signature: SPF fails, there is no DKIM, so DMARC fails, and alpha.lab's p=reject makes mail-beta
    refuse it at SMTP time with 5.7.1; nothing reaches bob."""
    forged, recipient = servers["mail-alpha"], servers["mail-beta"]
    subject = unique_subject("forged")
    refused = probe(client, "send", *recipient["at"], "--port", 25, "--starttls", "--sender", forged["email"],
                    "--to", recipient["email"], "--subject", subject)
    assert not refused["ok"] and refused["code"] == 550 and "5.7.1" in refused["error"], refused
    log = recipient["host"].check_output("journalctl --no-pager -o cat -t opendmarc | tail -20")
    assert "fail" in log and forged["domain"] in log, log
    assert maildir_files_with(recipient["host"], recipient["user"], subject) == []


def test_mail_from_a_domain_without_dmarc_arrives_with_the_verdict(client, servers):
    """A domain outside the lab publishes nothing (probe.invalid): the message is delivered, and the
    server writes what it found (dkim=none, dmarc=none) rather than refusing or deferring it."""
    recipient = servers["mail-beta"]
    subject = unique_subject("no-dmarc")
    sent = probe(client, "send", *recipient["at"], "--port", 25, "--starttls", "--sender", "teacher@probe.invalid",
                 "--to", recipient["email"], "--subject", subject)
    assert sent["ok"], sent
    results = " ".join(headers(message_of(recipient, recipient["user"], subject), "Authentication-Results"))
    assert "dkim=none" in results and "dmarc=none" in results, results


def test_a_new_selector_publishes_a_new_key_and_signs_with_it(client, servers, dns, site_playbook):
    """With another selector the run makes a new key, publishes it beside the old one (grace period)
    and mail-alpha signs with it; mail-beta verifies it. Back to the old selector with grace_days 0,
    the new key is retired: its record is gone, and the run after that changes nothing."""
    sender, recipient = servers["mail-alpha"], servers["mail-beta"]
    old, new = selector_of(sender), "tkjtest"
    limit = ["--limit", "mail-alpha,ns1,mail-beta"]
    changed = finished(site_playbook(*limit, "-e", "mail_auth_selector=" + new))
    assert changed.task_results("Keep each domain's DKIM key")["mail-alpha"]["changed"]
    for selector in (new, old):
        record = published_strings(client, dns["address"], "%s._domainkey.%s" % (selector, sender["domain"]))
        assert "".join(record[0]) == "v=DKIM1; k=rsa; p=" + host_public_key(sender, sender["domain"], selector), selector
    subject = unique_subject("new-selector")
    assert send_signed(client, sender, recipient, subject)["ok"]
    text = message_of(recipient, recipient["user"], subject)
    assert "s=%s;" % new in headers(text, "DKIM-Signature")[0].replace(" ", "")
    assert "dkim=pass" in " ".join(headers(text, "Authentication-Results"))

    back = finished(site_playbook(*limit, "-e", "mail_auth_grace_days=0"))
    removed = back.task_results("Keep each domain's DKIM key")["mail-alpha"]["results"]
    assert sorted(item["removed"] for item in removed) == [[new], [new]]
    assert published_strings(client, dns["address"], "%s._domainkey.%s" % (new, sender["domain"])) == []
    assert not sender["host"].file("%s/%s.%s.private" % (KEY_DIR, sender["domain"], new)).exists
    again = finished(site_playbook(*limit))
    assert again.changed() == {"mail-alpha": 0, "ns1": 0, "mail-beta": 0}, again.output


def test_a_dns_only_run_keeps_the_mail_servers_records(client, servers, dns, site_playbook):
    """A run limited to the DNS server (--limit ns1) still publishes every mail server's records (from
    the local facts they left): it changes nothing, and the keys still resolve."""
    run = finished(site_playbook("--limit", "ns1"))
    assert run.changed() == {"ns1": 0}, run.output
    for server in servers.values():
        record = published_strings(client, dns["address"], "%s._domainkey.%s" % (selector_of(server), server["domain"]))
        assert "".join(record[0]) == "v=DKIM1; k=rsa; p=" + host_public_key(server, server["domain"], selector_of(server))
