"""What a school's mail server needs around the mailboxes (issue 15), on Debian 12 (mail-alpha,
Dovecot 2.3) and Debian 13 (mail-beta, Dovecot 2.4), from the client containers:

- RFC 2142's postmaster@ and abuse@, and root's mail, reach the user postfix_root_recipient names;
- aliases at every hosted domain and at one, a list, and forwarding to the other lab domain;
- a second hosted domain (smk-alpha.lab on mail-alpha): its MX resolves through the lab DNS and mail
  to a user there lands in that user's Maildir;
- Dovecot's 1 MB quota: two 400 KB messages are delivered, the third is refused by Dovecot with
  552 5.2.2 and Postfix returns it to the sender at once (a bounce, not a queued message);
  GETQUOTAROOT shows the usage; another user still receives;
- password guessing, as a script does it (a new connection per try, one after another, the same wrong
  password): after 20 failed IMAP/POP3 logins, and 20 on submission, from client2, its next attempt
  on each port is refused (fail2ban) or slowed to 5 s or more; a correct login from client (another
  address) takes under 2 s, and client2 logs in again once the teacher lifts the ban.

The inventory (molecule.yml) names the aliases, users and quota; the tests read them from there.
"""

import json
import random
import shlex

import pytest

from mailtests import PROBE_PATH, maildir_files_with, probe, queue_is_empty, unique_subject, wait_for

DELIVERY_TIMEOUT = 60
# A quota test message: 400 KB of text (two fit in 1 MB, three do not).
BIG_MESSAGE = 400 * 1024
GUESSES = 20


def send(client, server, sender, to, subject):
    """Send one message to ``server`` on port 25 from the client container; the server's reply."""
    return probe(client, "send", *server["at"], "--port", 25, "--sender", sender, "--to", to, "--subject", subject, "--starttls")


def submit(client, server, to, subject, size):
    """The server's first user sends one message of ``size`` bytes with SMTP AUTH on 587 (as a mail
    client does: signed, so that DMARC lets it in); the server's reply."""
    return probe(client, "send", *server["at"], "--port", 587, "--starttls", "--user", server["user"], "--sender", server["email"],
                 "--to", to, "--subject", subject, "--size", size, password=server["password"])


def delivered_to(server, user, subject, count=1):
    """Wait until ``count`` messages with ``subject`` are in ``user``'s Maildir on ``server``."""
    wait_for(lambda: len(maildir_files_with(server["host"], user, subject)) >= count, timeout=DELIVERY_TIMEOUT,
             what="%d message(s) %r in %s's Maildir on %s" % (count, subject, user, server["hostname"]))
    return maildir_files_with(server["host"], user, subject)


@pytest.mark.parametrize("name", ["mail-alpha", "mail-beta"])
@pytest.mark.parametrize("local_part", ["postmaster", "abuse", "root"])
def test_rfc2142_addresses_and_root_reach_the_postmaster(client, servers, name, local_part):
    """postmaster@, abuse@ and root@ the mail domain are delivered to postfix_root_recipient's Maildir."""
    server = servers[name]
    subject = unique_subject(local_part)
    result = send(client, server, "teacher@probe.invalid", "%s@%s" % (local_part, server["domain"]), subject)
    assert result["ok"], result
    assert delivered_to(server, server["postmaster"], subject)


def test_postmaster_at_the_hosted_domain_and_local_root_mail(client, servers):
    """postmaster@ the second domain reaches the postmaster too, and so does root's mail sent on the
    server itself (cron's, for example), through /etc/aliases."""
    server = servers["mail-alpha"]
    subject = unique_subject("postmaster-hosted")
    result = send(client, server, "teacher@probe.invalid", "postmaster@%s" % server["hosted_domains"][0], subject)
    assert result["ok"], result
    assert delivered_to(server, server["postmaster"], subject)
    local = unique_subject("cron")
    server["host"].run_test("printf 'Subject: %%s\\n\\nfrom cron\\n' %s | /usr/sbin/sendmail root", local)
    assert delivered_to(server, server["postmaster"], local)
    assert server["host"].file("/etc/aliases").contains("^root:\t%s$" % server["postmaster"])
    assert server["host"].check_output("debconf-show postfix | grep root_address").endswith(server["postmaster"])


@pytest.mark.parametrize("domain_index", [0, 1])
def test_alias_without_domain_works_at_every_hosted_domain(client, servers, domain_index):
    """guru (no @) is an address at alpha.lab and at smk-alpha.lab, delivered to its user."""
    server = servers["mail-alpha"]
    alias = next(entry for entry in server["aliases"] if entry["name"] == "guru")
    domain = ([server["domain"]] + server["hosted_domains"])[domain_index]
    subject = unique_subject("guru")
    assert send(client, server, "teacher@probe.invalid", "guru@" + domain, subject)["ok"]
    assert delivered_to(server, alias["to"][0], subject)


def test_list_reaches_every_member_and_only_at_its_domain(client, servers):
    """kelas@alpha.lab goes to each member; at the other hosted domain it is an unknown address."""
    server = servers["mail-alpha"]
    alias = next(entry for entry in server["aliases"] if entry["name"].startswith("kelas@"))
    subject = unique_subject("kelas")
    assert send(client, server, "teacher@probe.invalid", alias["name"], subject)["ok"]
    for member in alias["to"]:
        assert len(delivered_to(server, member, subject)) == 1, member
    refused = send(client, server, "teacher@probe.invalid", "kelas@" + server["hosted_domains"][0], unique_subject("kelas"))
    assert not refused["ok"] and refused["code"] == 550, refused


def test_forwarding_reaches_the_other_lab_domain(client, servers):
    """info@smk-alpha.lab on mail-alpha forwards to bob@beta.lab: the message arrives on mail-beta,
    and bob reads it over IMAP."""
    server, other = servers["mail-alpha"], servers["mail-beta"]
    alias = next(entry for entry in server["aliases"] if entry["name"].startswith("info@"))
    target_user = alias["to"][0].split("@")[0]
    subject = unique_subject("forward")
    assert send(client, server, "teacher@probe.invalid", alias["name"], subject)["ok"]
    assert delivered_to(other, target_user, subject)
    read = probe(client, "imap", *other["at"], "--port", 143, "--starttls", "--user", target_user, "--subject", subject,
                 password=other["users"][target_user])
    assert read["login"] and [message["subject"] for message in read["messages"]] == [subject], read


def test_second_domain_resolves_and_delivers_to_the_user(client, servers, dns):
    """smk-alpha.lab's MX, asked of the lab DNS from the client, is mail-alpha; mail to ana@ it
    lands in ana's Maildir, and ana reads it over IMAP."""
    server = servers["mail-alpha"]
    domain = server["hosted_domains"][0]
    assert client.check_output("dig +short @%s %s MX", dns["address"], domain) == "10 %s." % server["hostname"]
    subject = unique_subject("hosted")
    assert send(client, server, "teacher@probe.invalid", "%s@%s" % (server["user"], domain), subject)["ok"]
    assert delivered_to(server, server["user"], subject)
    read = probe(client, "imap", *server["at"], "--port", 143, "--starttls", "--user", server["user"], "--subject", subject,
                 password=server["password"])
    assert [message["subject"] for message in read["messages"]] == [subject], read


@pytest.mark.parametrize("name", ["mail-alpha", "mail-beta"])
def test_quota_refuses_what_does_not_fit_and_tells_the_sender(client, servers, name):
    """With the 1 MB quota: two 400 KB messages are delivered, the third is refused by Dovecot with
    552 5.2.2 (mailbox full) and Postfix bounces it to the sender at once, leaving nothing queued;
    GETQUOTAROOT reports the usage against the limit; another user of the server still receives."""
    server = servers[name]
    host = server["host"]
    assert server["quota"] == "1M"
    # The quota user: the server's last user (neither the postmaster nor an alias target here).
    user = list(server["users"])[-1]
    # A fresh mailbox, so that the test counts from zero also when it runs again.
    host.run_test("doveadm expunge -u %s mailbox INBOX all && doveadm quota recalc -u %s", user, user)

    subjects = [unique_subject("quota-%d" % number) for number in range(3)]
    for subject in subjects[:2]:
        assert submit(client, server, "%s@%s" % (user, server["domain"]), subject, BIG_MESSAGE)["ok"]
        delivered_to(server, user, subject)
    quota = probe(client, "quota", *server["at"], "--port", 143, "--starttls", "--user", user, password=server["users"][user])
    assert "QUOTA" in quota["capabilities"], quota
    used, limit = quota["storage"]
    assert limit == 1024 and 800 <= used < 1024, quota

    # The third one is accepted over SMTP (it fits the message size limit) and then refused by the mailbox.
    assert submit(client, server, "%s@%s" % (user, server["domain"]), subjects[2], BIG_MESSAGE)["ok"]
    bounce = delivered_to(server, server["user"], subjects[2])
    assert host.file(bounce[0]).contains("5.2.2"), bounce
    assert host.file(bounce[0]).contains("mailbox for user is full"), bounce
    log = host.check_output("journalctl -t postfix/lmtp --no-pager -o cat | grep -F %s@ | tail -1", user)
    assert "dsn=5.2.2, status=bounced" in log, log
    assert maildir_files_with(host, user, subjects[2]) == []
    wait_for(lambda: queue_is_empty(host), timeout=DELIVERY_TIMEOUT, what="an empty queue on %s" % server["hostname"])
    assert probe(client, "quota", *server["at"], "--port", 143, "--starttls", "--user", user,
                 password=server["users"][user])["storage"] == [used, limit]

    other = unique_subject("quota-other")
    assert send(client, server, "teacher@probe.invalid", server["email"], other)["ok"]
    assert delivered_to(server, server["user"], other)


def guess_on_both_servers(client2, servers, source):
    """mailprobe's guess from ``source`` on client2 against both mail servers at once (each server counts
    and refuses on its own): GUESSES logins one after another on IMAP, POP3 and submission in turn."""
    commands = ["python3 %s guess %s --source %s --port 143 --starttls --user %s --count %d --ports 143,110,587 > /tmp/guess-%s.json & "
                "pids=\"$pids $!\"" % (PROBE_PATH, " ".join(shlex.quote(arg) for arg in server["at"]), source, server["user"], GUESSES, name)
                for name, server in servers.items()]
    # Each guesser's exit code, not only the last one's.
    result = client2.run("pids=; %s; for pid in $pids; do wait $pid || exit 1; done" % "; ".join(commands))
    assert result.rc == 0, result.stderr
    return {name: json.loads(client2.file("/tmp/guess-%s.json" % name).content_string) for name in servers}


def banned_addresses(server):
    """The addresses fail2ban refuses on ``server`` now."""
    status = server["host"].check_output("fail2ban-client status tkj-mail-logins")
    return [line.split(":", 1)[1].split() for line in status.splitlines() if "Banned IP list" in line][0]


@pytest.fixture()
def guesser(client2):
    """A new address of client2 (outside Docker's range for the network, 172.30.28.128/25), whose failed
    logins no server has counted yet, so that the test can be run again at once; removed afterwards."""
    address = "172.30.28.%d" % random.randint(50, 120)
    client2.check_output("ip address add %s/32 dev eth0", address)
    yield address
    client2.check_output("ip address del %s/32 dev eth0", address)


def test_password_guessing_is_refused_for_that_address_only(client, client2, servers, guesser):
    """What a guessing script does, against Debian 12 and 13: 20 logins one after another, each on a new
    connection, with the same wrong password (which Dovecot's penalty alone holds at about 4 s a try), on
    IMAP, POP3 and submission in turn. Each of the 20 gets the server's answer (the address is not refused
    sooner); the next attempt on 143, 110 and 587 is refused, and fail2ban lists the address. A correct
    login from client, another address, takes under 2 s on each port. Once the teacher lifts the ban
    (fail2ban-client unban), the address logs in again."""
    try:
        guessed = guess_on_both_servers(client2, servers, guesser)
        for name, server in servers.items():
            answered = [attempt for attempt in guessed[name]["tries"] if "authentication failed" in (attempt["error"] or "").lower()
                        or "535" in (attempt["error"] or "")]
            assert len(answered) == GUESSES, guessed[name]
            assert all(not attempt["ok"] and "refused" in attempt["error"].lower() for attempt in guessed[name]["next"].values()), guessed[name]
            assert guesser in banned_addresses(server), guessed[name]
            for port in (143, 110, 587):
                args = [*server["at"], "--port", port, "--starttls", "--user", server["user"]]
                legitimate = probe(client, "login", *args, password=server["password"])
                assert legitimate["ok"] and legitimate["seconds"] < 2, (port, legitimate)
    finally:
        for server in servers.values():
            server["host"].run("fail2ban-client unban %s", guesser)
    for server in servers.values():
        args = [*server["at"], "--port", 143, "--starttls", "--user", server["user"], "--source", guesser]
        assert probe(client2, "login", *args, password=server["password"])["ok"]
