"""One all-in-one lab server per Debian release, with the tutorial's values: the services run,
DNS publishes the mail host and MX, Postfix and Dovecot use Maildir, and a message travels from
SMTP into ~/Maildir and out through IMAP and POP3."""

import os
import re
import shlex

import pytest
import testinfra.utils.ansible_runner

from mailtests import PROBE_CA, lab_ca_file, maildir_files_with, probe, unique_subject, wait_for

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("mail_servers")
CERT_FILE = "/etc/ssl/certs/tkj-mailserver.pem"
KEY_FILE = "/etc/ssl/private/tkj-mailserver.key"
LAB_CA_ON_HOST = "/usr/local/share/ca-certificates/tkj-lab-ca.crt"


@pytest.mark.parametrize("package", ["bind9", "postfix", "dovecot-imapd", "dovecot-pop3d"])
def test_package_installed(host, package):
    """The tutorial's packages are installed."""
    assert host.package(package).is_installed


@pytest.mark.parametrize("service", ["named", "postfix", "dovecot"])
def test_service_enabled_and_running(host, service):
    """named, postfix and dovecot run now and start again at boot."""
    unit = host.service(service)
    assert unit.is_running
    assert unit.is_enabled


@pytest.mark.parametrize(
    "socket",
    ["tcp://0.0.0.0:25", "tcp://0.0.0.0:53", "udp://0.0.0.0:53", "tcp://0.0.0.0:110", "tcp://0.0.0.0:143",
     "tcp://0.0.0.0:587", "tcp://0.0.0.0:993", "tcp://0.0.0.0:995"],
)
def test_listening(host, socket):
    """SMTP, submission, DNS (TCP and UDP), POP3(S) and IMAP(S) listen on every IPv4 address."""
    proto, address = socket.split("://")
    port = address.rsplit(":", 1)[1]
    listening = host.socket.get_listening_sockets()
    assert any(entry.startswith(proto + "://") and entry.endswith(":" + port) for entry in listening), listening


def test_dns_mail_host_address(host, lab):
    """dig @127.0.0.1 mail.<domain> A gives the configured address (the tutorial's mail IN A)."""
    answer = host.check_output("dig +short @127.0.0.1 %s A", lab["hostname"])
    assert answer.split() == [lab["address"]]


def test_dns_mx(host, lab):
    """dig @127.0.0.1 <domain> MX names the mail host with priority 10."""
    answer = host.check_output("dig +short @127.0.0.1 %s MX", lab["domain"])
    assert answer.split() == ["10", lab["hostname"] + "."]


def test_dns_reverse(host, lab):
    """The reverse zone gives the mail host's name for its address (PTR)."""
    answer = host.check_output("dig +short @127.0.0.1 -x %s", lab["address"])
    assert answer.split() == [lab["hostname"] + "."]


def test_dns_publishes_spf_dmarc_and_the_dkim_key(host, lab):
    """The zone has the mail server's SPF and DMARC records (p=reject, reports to the postmaster) and,
    at SELECTOR._domainkey, the public half of the DKIM key on the host, in strings of at most 255 bytes."""
    def txt(name):
        lines = host.check_output("dig +short @127.0.0.1 %s TXT", name).splitlines()
        return [line.strip('"').split('" "') for line in lines]
    assert txt(lab["domain"]) == [["v=spf1 mx -all"]]
    assert txt("_dmarc." + lab["domain"]) == [["v=DMARC1; p=reject; rua=mailto:postmaster@%s" % lab["domain"]]]
    selector = host.check_output("awk '$1 == \"%s\" {split($2, k, \":\"); print k[2]}' /etc/opendkim/key.table", lab["domain"])
    key = host.check_output("openssl pkey -in /etc/dkimkeys/%s.%s.private -pubout -outform DER | base64 -w0", lab["domain"], selector)
    published = txt("%s._domainkey.%s" % (selector, lab["domain"]))
    assert len(published) == 1 and max(len(part) for part in published[0]) <= 255
    assert "".join(published[0]) == "v=DKIM1; k=rsa; p=" + key


def test_dns_serial_never_changed(host, lab):
    """named loaded the zone with one serial only: the second converge (idempotence) did not bump it."""
    served = host.check_output("dig +short @127.0.0.1 %s SOA", lab["domain"]).split()[2]
    log = host.check_output("journalctl -u named --no-pager -o cat")
    loaded = {line.rsplit(" ", 1)[1] for line in log.splitlines() if "zone %s/IN: loaded serial" % lab["domain"] in line}
    assert loaded == {served}


def test_postfix_main_cf(host, lab):
    """postconf -n shows Maildir delivery and the configured host and domain."""
    settings = {name.strip(): value.strip() for name, _equals, value in (line.partition("=") for line in host.check_output("postconf -n").splitlines())}
    assert settings["home_mailbox"] == "Maildir/"
    assert settings["myhostname"] == lab["hostname"]
    assert settings["mydomain"] == lab["domain"]
    assert settings["mailbox_size_limit"] == str(lab["mailbox_size_limit"])
    assert settings["inet_protocols"] == lab["protocols"]


def test_dovecot_uses_maildir(host):
    """Dovecot's effective configuration keeps mail in ~/Maildir (2.3: mail_location, 2.4: mail_driver/mail_path)."""
    version = host.check_output("dovecot --version")
    if version.startswith("2.3"):
        assert host.check_output("doveconf -h mail_location") == "maildir:~/Maildir"
    else:
        assert host.check_output("doveconf -h mail_driver") == "maildir"
        assert host.check_output("doveconf -h mail_path") == "~/Maildir"


def test_debconf_preseeded(host, lab):
    """debconf-show postfix holds the answers the role gave, so dpkg-reconfigure keeps the setup."""
    answers = {}
    for line in host.check_output("debconf-show postfix").splitlines():
        name, _colon, value = line.lstrip("* ").partition(":")
        answers[name] = value.strip()
    assert answers["postfix/main_mailer_type"] == "Internet Site"
    assert answers["postfix/mailname"] == lab["hostname"]
    assert answers["postfix/root_address"] == ""
    assert answers["postfix/chattr"] == "false"
    assert answers["postfix/mailbox_limit"] == str(lab["mailbox_size_limit"])
    assert answers["postfix/protocols"] == lab["protocols"]


def send_to_first_user(host, lab, label, **options):
    """Send a message over SMTP on port 25 to the first lab user; return (user, subject, body, result)."""
    user = lab["users"][0]["name"]
    subject = unique_subject(label)
    body = options.pop("body", "Halo %s, ini pesan uji dari tkj.mailserver.\n" % user)
    args = ["send", "--port", 25, "--to", "%s@%s" % (user, lab["domain"]), "--subject", subject]
    if "size" in options:
        args += ["--size", options["size"]]
    else:
        args += ["--body", body]
    return user, subject, body, probe(host, *args)


def test_smtp_delivers_into_maildir(host, lab):
    """A message sent over SMTP lands as a file in the user's ~/Maildir/new within seconds, body intact."""
    user, subject, body, result = send_to_first_user(host, lab, "maildir")
    assert result["ok"], result
    files = wait_for(lambda: maildir_files_with(host, user, subject), what="delivery to ~/Maildir/new")
    content = host.file(files[0]).content_string
    assert body.strip() in content
    assert host.file(files[0]).user == user


@pytest.mark.parametrize("local_part", ["postmaster", "abuse"])
def test_rfc2142_addresses_reach_root_with_the_tutorials_empty_answer(host, lab, local_part):
    """With the tutorial's empty "root and postmaster mail recipient", postmaster@ and abuse@ are
    delivered to root's own ~/Maildir (/etc/aliases sends them to root, and has no root line)."""
    subject = unique_subject(local_part)
    result = probe(host, "send", "--port", 25, "--to", "%s@%s" % (local_part, lab["domain"]), "--subject", subject,
                   "--body", "RFC 2142\n")
    assert result["ok"], result
    wait_for(lambda: host.run("grep -l -F -- %s /root/Maildir/new/*", subject).rc == 0, what="delivery to /root/Maildir/new")
    assert not host.file("/etc/aliases").contains("^root:")


@pytest.mark.parametrize("protocol,port", [("imap", 143), ("pop3", 110)])
def test_message_read_back_after_starttls(host, lab, protocol, port):
    """The delivered message is read back over IMAP and over POP3 after STARTTLS, logged in as the
    user: subject and body match."""
    user, subject, body, result = send_to_first_user(host, lab, protocol)
    assert result["ok"], result
    wait_for(lambda: maildir_files_with(host, user, subject), what="delivery")
    read = probe(host, protocol, "--port", port, "--starttls", "--user", user, "--subject", subject, password=lab["users"][0]["password"])
    assert read["login"], read
    assert [(m["subject"], m["body"].strip()) for m in read["messages"]] == [(subject, body.strip())]


def test_large_message_under_limit_delivered(host, lab):
    """A message over 1 MB and under the size limit is accepted and delivered."""
    size = 1536 * 1024
    assert size < lab["mailbox_size_limit"]
    user, subject, _body, result = send_to_first_user(host, lab, "large", size=size)
    assert result["ok"], result
    files = wait_for(lambda: maildir_files_with(host, user, subject), what="delivery of the large message")
    assert host.file(files[0]).size > size


def test_message_over_limit_refused_at_smtp_time(host, lab):
    """A message over the size limit is refused during the SMTP dialogue (552 size error), not bounced later."""
    user, subject, _body, result = send_to_first_user(host, lab, "too-large", size=lab["mailbox_size_limit"] + 1024)
    assert not result["ok"]
    assert result["code"] == 552, result
    assert "size" in result["error"].lower()
    assert maildir_files_with(host, user, subject) == []


def test_submission_offers_auth_only_after_starttls(host):
    """Port 587 offers no AUTH in clear text; after STARTTLS it offers AUTH."""
    features = probe(host, "ehlo", "--port", 587, "--starttls")
    assert "auth" not in features["features_plain"]
    assert "starttls" in features["features_plain"]
    assert "auth" in features["features_tls"]


def test_submission_accepts_authenticated_mail(host, lab):
    """After STARTTLS a user logs in on 587 and the message is delivered to another lab user, signed
    by OpenDKIM for the lab domain."""
    sender, recipient = lab["users"][0], lab["users"][-1]
    subject = unique_subject("submission")
    result = probe(host, "send", "--port", 587, "--starttls", "--user", sender["name"], "--sender", "%s@%s" % (sender["name"], lab["domain"]),
                   "--to", "%s@%s" % (recipient["name"], lab["domain"]), "--subject", subject, "--body", "via submission",
                   password=sender["password"])
    assert result["ok"], result
    assert result["authenticated"]
    files = wait_for(lambda: maildir_files_with(host, recipient["name"], subject), what="delivery of the submitted message")
    assert re.search(r"^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/simple; d=%s;" % re.escape(lab["domain"]),
                     host.file(files[0]).content_string, re.MULTILINE)


SENDER_CASES = [("own address", "{user}@{domain}", True), ("own address with a tag", "{user}+kelas@{domain}", True),
                ("own name at the mail host", "{user}@{hostname}", True), ("a list that names the user", "kelas@{domain}", True),
                ("another user", "{other}@{domain}", False), ("the other user's alias", "guru@{domain}", False),
                ("postmaster", "postmaster@{domain}", False), ("an address elsewhere", "{user}@elsewhere.invalid", False)]


@pytest.mark.parametrize(("what", "sender", "accepted"), SENDER_CASES, ids=[case[0] for case in SENDER_CASES])
def test_submission_sends_only_as_an_address_the_user_owns(host, lab, what, sender, accepted):
    """After logging in on 587, nida sends as her own address (at every name of the server, with a tag) and as the
    list kelas@ that names her; as budi, budi's alias guru, postmaster or an outside address she gets 553 5.7.1."""
    user, other = lab["users"][0], lab["users"][-1]
    address = sender.format(user=user["name"], other=other["name"], domain=lab["domain"], hostname=lab["hostname"])
    subject = unique_subject("sender")
    result = probe(host, "send", "--port", 587, "--starttls", "--user", user["name"], "--sender", address,
                   "--to", "%s@%s" % (other["name"], lab["domain"]), "--subject", subject, "--body", what,
                   password=user["password"])
    if accepted:
        assert result["ok"], result
        wait_for(lambda: maildir_files_with(host, other["name"], subject), what="delivery of the message from %s" % address)
    else:
        assert not result["ok"] and result["code"] == 553, result
        assert result["error"].startswith("5.7.1 <%s>: Sender address rejected: not owned by user %s" % (address, user["name"])), result


def test_submission_refuses_mail_without_login(host, lab):
    """Without logging in, submission refuses the message even after STARTTLS."""
    result = probe(host, "send", "--port", 587, "--starttls", "--to", "%s@%s" % (lab["users"][0]["name"], lab["domain"]),
                   "--subject", unique_subject("no-login"), "--body", "x")
    assert not result["ok"]
    assert result["code"] in (530, 554), result


# Every port with TLS, and how openssl s_client starts it there.
TLS_PORTS = [(25, "-starttls smtp"), (587, "-starttls smtp"), (143, "-starttls imap"), (993, ""), (110, "-starttls pop3"), (995, "")]


@pytest.mark.parametrize("port,starttls", TLS_PORTS, ids=[str(port) for port, _starttls in TLS_PORTS])
def test_certificate_verifies_for_the_mail_host(host, lab, port, starttls):
    """openssl s_client -verify_return_error -verify_hostname: on every TLS port the certificate
    chains to the lab CA the playbook wrote on the controller and names the mail host."""
    result = host.run("openssl s_client -connect 127.0.0.1:%s -servername %s -verify_return_error -verify_hostname %s"
                      " -CAfile %s " + starttls + " </dev/null", str(port), lab["hostname"], lab["hostname"], PROBE_CA)
    assert result.rc == 0, result.stdout + result.stderr
    assert "Verify return code: 0 (ok)" in result.stdout


def test_a_client_trusting_another_ca_is_refused(host, lab):
    """A client whose only trusted CA is another one fails the handshake and sends no password:
    Python (check_hostname), openssl and swaks --tls-verify."""
    host.run_test("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=Another CA' -keyout /root/other-ca.key"
                  " -out /root/other-ca.crt 2>/dev/null")
    user = lab["users"][0]
    imap = probe(host, "imap", "--cafile", "/root/other-ca.crt", "--port", 993, "--ssl", "--user", user["name"],
                 password=user["password"])
    assert imap["login"] is False and "certificate verify failed" in imap["tls_error"], imap
    openssl = host.run("openssl s_client -connect 127.0.0.1:587 -starttls smtp -verify_return_error -CAfile /root/other-ca.crt </dev/null")
    assert openssl.rc != 0
    swaks = host.run("swaks --server 127.0.0.1 --port 587 --tls --tls-verify --tls-ca-path /root/other-ca.crt --quit-after TLS "
                     + swaks_verify_name(host, lab["hostname"]))
    # Debian 12's swaks passes on OpenSSL's "certificate verify failed", Debian 13's says "verification".
    assert swaks.rc != 0 and re.search(r"certificate verif(y|ication) failed", swaks.stderr), swaks.stdout + swaks.stderr


def swaks_verify_name(host, name):
    """The swaks option that checks the certificate's name when swaks reaches the server by address:
    Debian 13's swaks has --tls-verify-target; Debian 12's (20201014) checks the CA only."""
    return "--tls-verify-target %s" % name if host.run("grep -q tls-verify-target /usr/bin/swaks").rc == 0 else ""


def test_swaks_submits_over_verified_tls(host, lab):
    """swaks --tls-verify with the lab CA (and, on Debian 13, the mail host's name) logs in on 587
    and the message is delivered."""
    sender, recipient = lab["users"][0], lab["users"][-1]
    subject = unique_subject("swaks")
    result = host.run("swaks --server 127.0.0.1 --port 587 --tls --tls-verify --tls-ca-path %s " + swaks_verify_name(host, lab["hostname"])
                      + " --auth LOGIN --auth-user %s"
                      " --auth-password %s --from %s@%s --to %s@%s --header %s", PROBE_CA, sender["name"],
                      sender["password"], sender["name"], lab["domain"], recipient["name"], lab["domain"], "Subject: " + subject)
    assert result.rc == 0, result.stdout
    wait_for(lambda: maildir_files_with(host, recipient["name"], subject), what="delivery of the swaks message")


def test_lab_ca_published_over_http(host, lab):
    """curl http://MAILHOST/lab-ca.crt gives exactly the CA file the playbook wrote on the controller."""
    served = host.check_output("curl --silent --fail --resolve %s:80:127.0.0.1 http://%s/lab-ca.crt", lab["hostname"], lab["hostname"])
    assert served.strip() == lab_ca_file(os.environ["MOLECULE_INVENTORY_FILE"]).read_text().strip()


def test_postfix_and_dovecot_use_the_lab_certificate(host):
    """Postfix and Dovecot use the tls role's certificate and key; Postfix checks peers against the
    lab CA and records TLS in the Received header."""
    settings = {name.strip(): value.strip() for name, _equals, value in (line.partition("=") for line in host.check_output("postconf -n").splitlines())}
    assert settings["smtpd_tls_cert_file"] == CERT_FILE and settings["smtpd_tls_key_file"] == KEY_FILE
    assert settings["smtp_tls_CAfile"] == settings["smtpd_tls_CAfile"] == LAB_CA_ON_HOST
    assert settings["smtpd_tls_received_header"] == "yes"
    cert_setting = "ssl_cert" if host.check_output("dovecot --version").startswith("2.3") else "ssl_server/cert_file"
    assert host.check_output("doveconf -h %s", cert_setting).lstrip("<") == CERT_FILE
    key = host.file(KEY_FILE)
    assert (key.user, key.group, key.mode) == ("root", "root", 0o600)


def webmail(host, lab, path="/", scheme="https", options=()):
    """curl to the webmail by its name (resolved to 127.0.0.1), verifying its certificate against the lab CA."""
    port = 443 if scheme == "https" else 80
    argv = ["curl", "--silent", "--show-error", "--cacert", PROBE_CA, "--resolve", "%s:%d:127.0.0.1" % (lab["webmail"], port)]
    argv += list(options) + ["%s://%s%s" % (scheme, lab["webmail"], path)]
    return host.run(" ".join(shlex.quote(str(arg)) for arg in argv))


STATUS = ["--output", "/dev/null", "--write-out", "%{http_code} %{redirect_url}"]


def test_webmail_login_page_over_verified_https(host, lab):
    """https://webmail.<domain>/ answers with Roundcube's login page in the lab's language (id_ID),
    the certificate verified against the lab CA (no -k)."""
    page = webmail(host, lab, options=["--fail"])
    assert page.rc == 0, page.stderr
    assert 'id="rcmloginuser"' in page.stdout and 'lang="id"' in page.stdout
    assert "Webmail %s" % lab["domain"] in page.stdout


def test_webmail_plain_http_redirects_and_the_installer_is_not_there(host, lab):
    """Plain HTTP is redirected to HTTPS; /installer/, the configuration and the logs are not served."""
    redirect = webmail(host, lab, scheme="http", options=STATUS)
    assert redirect.stdout == "301 https://%s/" % lab["webmail"], redirect.stdout + redirect.stderr
    for path in ("/installer/", "/config/config.inc.php", "/logs/errors.log", "/SQL/", "/composer.json"):
        status = webmail(host, lab, path=path, options=STATUS)
        assert status.stdout.split()[0] == "404", (path, status.stdout)


def roundcube_login(host, lab, user, password):
    """Log in through Roundcube's own login form with curl (its CSRF token, its session cookie);
    return the HTTP status and the location Roundcube sends the browser to."""
    jar = "/root/tkj-roundcube-%s.cookies" % user
    form = webmail(host, lab, options=["--fail", "--cookie-jar", jar])
    token = re.search(r'name="_token" value="([^"]+)"', form.stdout).group(1)
    answer = webmail(host, lab, path="/?_task=login", options=[
        "--cookie", jar, "--cookie-jar", jar, "--data-urlencode", "_token=" + token, "--data", "_task=login",
        "--data", "_action=login", "--data", "_timezone=UTC", "--data-urlencode", "_user=" + user,
        "--data-urlencode", "_pass=" + password] + STATUS)
    status, _space, location = answer.stdout.partition(" ")
    return status, location


def test_webmail_login_reads_the_mailbox_over_verified_imap(host, lab):
    """A lab user logs in to Roundcube: Roundcube reached Dovecot over IMAPS, checking the mail host's
    certificate, and sends the browser to the mailbox."""
    user = lab["users"][0]
    status, location = roundcube_login(host, lab, user["name"], user["password"])
    assert status == "302" and "_task=mail" in location, (status, location)


def test_webmail_wrong_password_is_refused(host, lab):
    """A wrong password gets Roundcube's login error (HTTP 401) and no mailbox."""
    status, _location = roundcube_login(host, lab, lab["users"][0]["name"], "not-the-password")
    assert status == "401"


def test_webmail_configuration_survives_a_package_upgrade(host, lab):
    """Reinstalling roundcube-core and dpkg-reconfigure run the package's upgrade scripts (ucf,
    the database upgrade): the role's configuration and its session key stay byte-identical, and
    a user still logs in."""
    config = "/etc/roundcube/config.inc.php"
    before = host.check_output("sha256sum %s", config)
    host.run_test("env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --reinstall -o Dpkg::Options::=--force-confold roundcube-core")
    host.run_test("env DEBIAN_FRONTEND=noninteractive dpkg-reconfigure -f noninteractive roundcube-core")
    assert host.check_output("sha256sum %s", config) == before
    key = host.file(config)
    assert (key.user, key.group, key.mode) == ("root", "www-data", 0o640)
    user = lab["users"][0]
    status, location = roundcube_login(host, lab, user["name"], user["password"])
    assert status == "302" and "_task=mail" in location
