"""TLS that clients can verify: each mail server has a certificate from the lab CA for its mail
host name, every client (openssl, swaks, curl, Python) verifies it against the CA file the
playbook wrote on the controller, a client trusting another CA is refused, and mail between the
lab domains goes only over TLS the servers verified: with a certificate from another CA it waits
in the queue, and is delivered once the next run put the right certificate back. A certificate
close to its end is issued again and the services reload; otherwise it is never issued again."""

import datetime
import hashlib
import os
import stat

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from conftest import PlaybookRun, finished
from mailtests import PROBE_CA, lab_ca_file, maildir_files_with, probe, queue_is_empty, unique_subject, wait_for

INVENTORY = os.environ["MOLECULE_INVENTORY_FILE"]
CA_DIR = lab_ca_file(INVENTORY).parent
CERT_FILE = "/etc/ssl/certs/tkj-mailserver.pem"
KEY_FILE = "/etc/ssl/private/tkj-mailserver.key"
# Every port with TLS, and how openssl s_client starts it there.
TLS_PORTS = [(25, ["-starttls", "smtp"]), (587, ["-starttls", "smtp"]), (143, ["-starttls", "imap"]),
             (993, []), (110, ["-starttls", "pop3"]), (995, [])]
OTHER_CA = "/root/tkj-other-ca"


def s_client(client, server, port, starttls, cafile=PROBE_CA):
    """openssl s_client to the server by address, verifying the chain against ``cafile`` and the name."""
    command = ["openssl", "s_client", "-connect", "%s:%d" % (server["address"], port), "-servername", server["hostname"],
               "-verify_return_error", "-verify_hostname", server["hostname"], "-CAfile", cafile] + starttls
    return client.run("%s </dev/null" % " ".join(command))


def served_fingerprint(client, server, port=993, starttls=()):
    """The SHA-256 fingerprint of the certificate the server presents on ``port``."""
    return client.check_output("openssl s_client -connect %s -servername %s " + " ".join(starttls) + " </dev/null 2>/dev/null"
                               " | openssl x509 -noout -fingerprint -sha256", "%s:%d" % (server["address"], port),
                               server["hostname"]).split("=", 1)[1]


def issued_fingerprint(host_name):
    """The fingerprint of the certificate the lab CA issued to ``host_name`` (kept on the controller),
    as openssl prints it."""
    cert = x509.load_pem_x509_certificate((CA_DIR / "issued" / ("%s.crt" % host_name)).read_bytes())
    return cert.fingerprint(hashes.SHA256()).hex(":").upper()


@pytest.fixture(scope="module")
def other_ca(client):
    """A CA the lab does not know, made on the client: its certificate, and a way to sign with it."""
    client.run_test("mkdir -p %s && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=Another CA'"
                    " -keyout %s/ca.key -out %s/ca.crt 2>/dev/null", OTHER_CA, OTHER_CA, OTHER_CA)
    return OTHER_CA + "/ca.crt"


@pytest.mark.parametrize("port,starttls", TLS_PORTS, ids=[str(port) for port, _starttls in TLS_PORTS])
@pytest.mark.parametrize("server_name", ["mail-alpha", "mail-beta"])
def test_openssl_verifies_the_certificate_for_the_mail_host(client, servers, server_name, port, starttls):
    """openssl s_client -verify_return_error -verify_hostname: the certificate on every TLS port
    chains to the lab CA and names the mail host (Debian 12 and 13)."""
    result = s_client(client, servers[server_name], port, starttls)
    assert result.rc == 0, result.stdout + result.stderr
    assert "Verify return code: 0 (ok)" in result.stdout


@pytest.mark.parametrize("server_name", ["mail-alpha", "mail-beta"])
def test_a_client_trusting_another_ca_is_refused(client, servers, server_name, other_ca):
    """With another CA as its only trust, each client fails the handshake and logs nothing in:
    openssl, Python (check_hostname) and curl."""
    server = servers[server_name]
    assert s_client(client, server, 993, [], cafile=other_ca).rc != 0
    imap = probe(client, "imap", *server["at"], "--cafile", other_ca, "--port", 993, "--ssl", "--user", server["user"],
                 password=server["password"])
    assert imap["login"] is False and "certificate verify failed" in imap["tls_error"], imap
    curl = client.run("curl --silent --show-error --cacert %s --resolve %s:993:%s imaps://%s/ --user %s:%s",
                      other_ca, server["hostname"], server["address"], server["hostname"], server["user"], server["password"])
    assert curl.rc == 60, curl.stderr  # CURLE_PEER_FAILED_VERIFICATION


@pytest.mark.parametrize("server_name", ["mail-alpha", "mail-beta"])
def test_curl_and_swaks_verify_the_certificate(client, servers, server_name):
    """curl lists the INBOX over IMAPS without -k; swaks submits a message over STARTTLS with
    --tls-verify against the lab CA."""
    server = servers[server_name]
    curl = client.run("curl --silent --show-error --fail --cacert %s --resolve %s:993:%s imaps://%s/ --user %s:%s",
                      PROBE_CA, server["hostname"], server["address"], server["hostname"], server["user"], server["password"])
    assert curl.rc == 0 and "INBOX" in curl.stdout, curl.stderr
    subject = unique_subject("swaks-%s" % server_name)
    swaks = client.run("swaks --server %s --port 587 --tls --tls-verify --tls-ca-path %s --auth LOGIN --auth-user %s"
                       " --auth-password %s --from %s --to %s --header %s",
                       server["address"], PROBE_CA, server["user"], server["password"], server["email"], server["email"],
                       "Subject: " + subject)
    assert swaks.rc == 0, swaks.stdout
    wait_for(lambda: maildir_files_with(server["host"], server["user"], subject), what="delivery of the swaks message")


@pytest.mark.parametrize("server_name", ["mail-alpha", "mail-beta"])
def test_the_key_is_private_and_the_ca_is_trusted_on_the_server(servers, server_name):
    """The key is root's alone (0600); the lab CA is in the system's trusted CAs, so openssl on the
    server itself verifies its own name."""
    host = servers[server_name]["host"]
    key = host.file(KEY_FILE)
    assert (key.user, key.group, key.mode) == ("root", "root", 0o600)
    result = host.run("openssl s_client -connect 127.0.0.1:993 -verify_return_error -verify_hostname %s </dev/null",
                      servers[server_name]["hostname"])
    assert result.rc == 0, result.stdout


def test_the_ca_key_is_kept_private_on_the_controller():
    """The lab CA's key and the servers' keys are readable by their owner only, in a 0700 directory,
    with a .gitignore so that an inventory committed to git does not take them along."""
    assert stat.S_IMODE(os.stat(CA_DIR / "private").st_mode) == 0o700
    keys = sorted((CA_DIR / "private").glob("*.key"))
    assert [key.name for key in keys] == ["lab-ca.key", "mail-alpha.key", "mail-beta.key"]
    assert all(stat.S_IMODE(os.stat(key).st_mode) == 0o600 for key in keys)
    assert "*" in (CA_DIR / "private" / ".gitignore").read_text().split()


@pytest.mark.parametrize("server_name", ["mail-alpha", "mail-beta"])
def test_the_ca_is_published_over_http(client, servers, server_name):
    """http://MAILHOST/lab-ca.crt gives exactly the file on the controller; the page links to it."""
    server = servers[server_name]
    served = client.check_output("curl --silent --fail --resolve %s:80:%s http://%s/lab-ca.crt | sha256sum",
                                 server["hostname"], server["address"], server["hostname"]).split()[0]
    assert served == hashlib.sha256(lab_ca_file(INVENTORY).read_bytes()).hexdigest()
    page = client.check_output("curl --silent --fail --resolve %s:80:%s http://%s/", server["hostname"], server["address"], server["hostname"])
    assert 'href="/lab-ca.crt"' in page


@pytest.fixture(scope="module")
def wrong_peer_certificate(hosts, servers, client):
    """mail-beta given a certificate for its name from a CA the lab does not trust (Postfix reloaded);
    then a message from mail-alpha's user to mail-beta's; then the playbook run that repairs."""
    beta = hosts["mail-beta"]
    beta.run_test("mkdir -p /root/other && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=Another CA'"
                  " -keyout /root/other/ca.key -out /root/other/ca.crt 2>/dev/null")
    beta.run_test("openssl req -new -newkey rsa:2048 -nodes -subj /CN=%s -keyout /root/other/key.pem -out /root/other/req.pem"
                  " 2>/dev/null", servers["mail-beta"]["hostname"])
    beta.run_test("sh -c 'printf \"subjectAltName=DNS:%s\\n\" > /root/other/ext'", servers["mail-beta"]["hostname"])
    beta.run_test("openssl x509 -req -in /root/other/req.pem -CA /root/other/ca.crt -CAkey /root/other/ca.key -CAcreateserial"
                  " -days 2 -extfile /root/other/ext -out /root/other/cert.pem 2>/dev/null")
    beta.run_test("install -m 0600 /root/other/key.pem %s && install -m 0644 /root/other/cert.pem %s", KEY_FILE, CERT_FILE)
    beta.run_test("systemctl reload postfix")
    sender, recipient = servers["mail-alpha"], servers["mail-beta"]
    subject = unique_subject("unverified-peer")
    sent = probe(client, "send", *sender["at"], "--port", 587, "--starttls", "--user", sender["user"], "--sender", sender["email"],
                 "--to", recipient["email"], "--subject", subject, "--body", "only over verified TLS", password=sender["password"])
    assert sent["ok"], sent
    deferred = wait_for(lambda: [line for line in sender["host"].check_output("journalctl --no-pager -o cat -t postfix/smtp").splitlines()
                                 if recipient["email"] in line and "status=deferred" in line and "verif" in line.lower()],
                        what="mail-alpha deferring the mail to the unverified server")
    queued = sender["host"].check_output("postqueue -j")
    delivered_before_repair = maildir_files_with(recipient["host"], recipient["user"], subject)
    repair = finished(PlaybookRun("--limit", "mail-beta"))
    sender["host"].run_test("postqueue -f")
    return {"subject": subject, "deferred": deferred, "queued": queued, "before_repair": delivered_before_repair, "repair": repair}


def test_mail_to_an_unverified_peer_waits_in_the_queue(wrong_peer_certificate, servers):
    """mail-alpha does not send to a mail-beta whose certificate another CA signed: the message is
    deferred (certificate not verified) and stays in mail-alpha's queue; nothing reaches mail-beta."""
    assert wrong_peer_certificate["deferred"]
    assert servers["mail-beta"]["email"] in wrong_peer_certificate["queued"]
    assert wrong_peer_certificate["before_repair"] == []


def test_the_next_run_puts_the_certificate_back_and_the_mail_goes(wrong_peer_certificate, servers, client):
    """The next run installs the lab certificate again and reloads Postfix and Dovecot; after a queue
    flush the waiting message is delivered, once, and mail-alpha's queue is empty."""
    repair = wrong_peer_certificate["repair"]
    assert repair.changed()["mail-beta"] > 0
    reloaded = repair.task_results("Reload the running services that use the certificate")["mail-beta"]
    assert sorted(item["item"] for item in reloaded["results"] if item.get("changed")) == ["dovecot", "postfix"]
    recipient = servers["mail-beta"]
    assert served_fingerprint(client, recipient, 25, ["-starttls", "smtp"]) == issued_fingerprint("mail-beta")
    files = wait_for(lambda: maildir_files_with(recipient["host"], recipient["user"], wrong_peer_certificate["subject"]),
                     what="delivery after the repair")
    assert len(files) == 1
    wait_for(lambda: queue_is_empty(servers["mail-alpha"]["host"]), what="mail-alpha's queue to empty")


def issued_days_left(host_name):
    """Whole days the certificate the lab CA issued to ``host_name`` has left."""
    cert = x509.load_pem_x509_certificate((CA_DIR / "issued" / ("%s.crt" % host_name)).read_bytes())
    return (cert.not_valid_after_utc - datetime.datetime.now(datetime.timezone.utc)).days


def test_a_certificate_near_its_end_is_renewed_and_the_services_reload(client, servers, site_playbook):
    """With fewer days left than tls_renew_days, the run issues the certificate again and Postfix
    and Dovecot serve the new one at once; the run after that issues nothing (changed=0)."""
    server = servers["mail-alpha"]
    before = served_fingerprint(client, server)
    assert before == issued_fingerprint("mail-alpha")
    # Renewal a day beyond what the certificate has left makes it due, whatever an earlier run on
    # this machine issued (the lab CA lives on in the scenario's directory).
    renew_days = issued_days_left("mail-alpha") + 2
    renew = ["--limit", "mail-alpha", "-e", "tls_days=%d" % (renew_days + 1), "-e", "tls_renew_days=%d" % renew_days]
    renewal = finished(site_playbook(*renew))
    result = renewal.task_results("Install this server's key and certificate")["mail-alpha"]
    assert result["changed"] and "within %d days" % renew_days in result["reason"], (result.get("changed"), result.get("reason"))
    after = issued_fingerprint("mail-alpha")
    assert after != before
    assert served_fingerprint(client, server, 993) == after
    assert served_fingerprint(client, server, 587, ["-starttls", "smtp"]) == after
    again = finished(site_playbook(*renew))
    assert again.changed() == {"mail-alpha": 0}, again.output
    assert issued_fingerprint("mail-alpha") == after
