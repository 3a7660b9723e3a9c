"""Issue 6, security: what the lab's servers refuse to a client on the lab network, checked from the
client container with real clients (smtplib, imaplib, poplib, dig), and what they never give away
(software versions, which users exist, passwords)."""

import ipaddress
import json
import re

import pytest

from mailtests import maildir_files_with, probe, queue_is_empty, unique_subject, wait_for

MAIL_SERVERS = ["mail-alpha", "mail-beta"]
NAME_SERVERS = ["ns1", "mail-beta"]
# A domain outside the lab (the .invalid top-level domain never exists).
FOREIGN_DOMAIN = "example.invalid"
# The tutorial's answer to "local networks": every address, which makes an open relay.
TUTORIAL_OPEN_RELAY_NETWORKS = ["0.0.0.0/0"]
PLAYBOOK_TIMEOUT = 240


def name_server_address(dns, name):
    """The address of the name server ``name`` (the primary ns1 or the secondary mail-beta)."""
    return dns["address"] if name == "ns1" else dns["secondary"]["address"]


def zones_served(dns, name):
    """The forward zones the name server ``name`` answers for."""
    return dns["zones"] if name == "ns1" else dns["secondary"]["zones"]


def dig(client, *args):
    """dig from the client; returns its full output (header, flags, sections)."""
    return client.check_output("dig " + " ".join(["%s"] * len(args)), *args)


def dig_status(output):
    """The response code (NOERROR, REFUSED, ...) in dig's header line."""
    return re.search(r"status: (\w+)", output).group(1)


def dig_flags(output):
    """The header flags (qr, aa, rd, ra, ...) dig shows for the answer."""
    return re.search(r";; flags: ([a-z ]*);", output).group(1).split()


def soa_serial(client, address, zone):
    """The SOA serial of ``zone`` as the server at ``address`` answers it (authoritatively)."""
    output = dig(client, "@" + address, zone, "SOA", "+norecurse")
    assert dig_status(output) == "NOERROR" and "aa" in dig_flags(output), output
    return client.check_output("dig +short +norecurse @%s %s SOA", address, zone).split()[2]


@pytest.mark.parametrize("server_name", MAIL_SERVERS)
def test_relay_to_foreign_domain_refused(client, servers, client_address, server_name):
    """Port 25 refuses, with 5.7.1, mail from the client to a domain outside the lab, although the
    client sits on the lab network: mynetworks trusts loopback only, so no lab address may relay."""
    server = servers[server_name]
    trusted = [ipaddress.ip_network(entry.strip().replace("[", "").replace("]", ""))
               for entry in server["host"].check_output("postconf -h mynetworks").split()]
    assert trusted and all(network.is_loopback for network in trusted), trusted
    assert not any(ipaddress.ip_address(client_address) in network for network in trusted)

    result = probe(client, "send", *server["at"], "--port", 25, "--to", "someone@" + FOREIGN_DOMAIN,
                   "--subject", unique_subject("relay"), "--body", "relay attempt")
    assert not result["ok"], result
    assert result["code"] == 554 and result["error"].startswith("5.7.1 "), result
    assert queue_is_empty(server["host"])


@pytest.mark.parametrize("server_name,other_name", [("mail-alpha", "mail-beta"), ("mail-beta", "mail-alpha")])
def test_relay_to_other_lab_domain_refused_without_login(client, servers, server_name, other_name):
    """Even mail for the other lab domain, which lab isolation lets through, is not relayed for a
    client that has not logged in: 5.7.1 Relay access denied."""
    server, other = servers[server_name], servers[other_name]
    result = probe(client, "send", *server["at"], "--port", 25, "--to", other["email"],
                   "--subject", unique_subject("relay-lab"), "--body", "relay attempt")
    assert not result["ok"], result
    assert result["code"] == 554 and result["error"].startswith("5.7.1 "), result
    assert "Relay access denied" in result["error"], result


@pytest.mark.parametrize("server_name", MAIL_SERVERS)
def test_smtp_auth_offered_only_after_starttls_on_submission(client, servers, server_name):
    """Neither port 25 nor 587 offers AUTH before STARTTLS; 587 offers it inside TLS, port 25 never
    (logins belong on submission)."""
    at = servers[server_name]["at"]
    smtp = probe(client, "ehlo", *at, "--port", 25, "--starttls")
    submission = probe(client, "ehlo", *at, "--port", 587, "--starttls")
    for features in (smtp, submission):
        assert "starttls" in features["features_plain"], features
        assert "auth" not in features["features_plain"], features
    assert "auth" not in smtp["features_tls"], smtp
    assert "auth" in submission["features_tls"], submission


@pytest.mark.parametrize("server_name", MAIL_SERVERS)
def test_submission_login_works_and_wrong_password_refused(client, servers, server_name):
    """On 587 after STARTTLS the user's password logs in and the message is delivered; a wrong
    password is refused with 535 and nothing is delivered."""
    server = servers[server_name]
    subjects = {"right": unique_subject("login-right"), "wrong": unique_subject("login-wrong")}
    passwords = {"right": server["password"], "wrong": server["password"] + "-wrong"}
    results = {}
    for attempt, subject in subjects.items():
        results[attempt] = probe(client, "send", *server["at"], "--port", 587, "--starttls",
                                 "--user", server["user"], "--sender", server["email"], "--to", server["email"],
                                 "--subject", subject, "--body", "login " + attempt, password=passwords[attempt])
    assert results["right"]["ok"] and results["right"]["authenticated"], results["right"]
    assert not results["wrong"]["ok"] and results["wrong"]["code"] == 535, results["wrong"]
    wait_for(lambda: maildir_files_with(server["host"], server["user"], subjects["right"]), what="delivery of the logged-in message")
    assert maildir_files_with(server["host"], server["user"], subjects["wrong"]) == []


@pytest.mark.parametrize("server_name", MAIL_SERVERS)
@pytest.mark.parametrize("protocol,port", [("imap", 143), ("pop3", 110)])
def test_cleartext_login_refused(client, servers, server_name, protocol, port):
    """IMAP on 143 and POP3 on 110 refuse the user's right password without TLS (Dovecot's
    'authentication disallowed on non-secure connections')."""
    server = servers[server_name]
    result = probe(client, protocol, *server["at"], "--port", port, "--user", server["user"],
                   password=server["password"])
    assert not result["login"], result
    assert "authentication disallowed on non-secure (SSL/TLS) connections" in result["error"], result


@pytest.mark.parametrize("server_name", MAIL_SERVERS)
@pytest.mark.parametrize("protocol,port,tls", [("imap", 143, "--starttls"), ("imap", 993, "--ssl"),
                                               ("pop3", 110, "--starttls"), ("pop3", 995, "--ssl")])
def test_login_inside_tls_works(client, servers, server_name, protocol, port, tls):
    """The same login works after STARTTLS on 143/110 and on the TLS ports 993/995."""
    server = servers[server_name]
    result = probe(client, protocol, *server["at"], "--port", port, tls, "--user", server["user"],
                   password=server["password"])
    assert result["login"], result


@pytest.mark.parametrize("server_name", NAME_SERVERS)
def test_dns_refuses_recursion_to_client(client, dns, server_name):
    """A name outside the lab zones, asked with recursion desired, gets REFUSED and no answer:
    the name server is not a resolver for the client."""
    output = dig(client, "@" + name_server_address(dns, server_name), "www." + FOREIGN_DOMAIN, "A", "+recurse")
    assert dig_status(output) == "REFUSED", output
    assert "ra" not in dig_flags(output), output
    assert re.search(r"ANSWER: 0,", output), output


@pytest.mark.parametrize("server_name", NAME_SERVERS)
def test_dns_refuses_zone_transfer_to_client(client, dns, server_name):
    """AXFR of every lab zone is refused to the client, by the primary and by the secondary."""
    for zone in zones_served(dns, server_name):
        output = dig(client, "@" + name_server_address(dns, server_name), zone, "AXFR")
        assert "Transfer failed" in output, output
        assert not re.search(r"\sIN\s+SOA\s", output), output


def test_dns_secondary_holds_both_zones(client, dns):
    """The listed secondary (mail-beta) may transfer the zones from ns1 and holds each one: it
    answers authoritatively with the same SOA serial as ns1."""
    secondary = dns["secondary"]
    assert secondary["address"] in dns["secondaries"]
    assert sorted(secondary["zones"]) == sorted(dns["zones"])
    for zone in dns["zones"]:
        transfer = secondary["host"].check_output("dig @%s %s AXFR", dns["address"], zone)
        assert len(re.findall(r"\sIN\s+SOA\s", transfer)) == 2, transfer
        assert soa_serial(client, secondary["address"], zone) == soa_serial(client, dns["address"], zone)


@pytest.mark.parametrize("server_name", NAME_SERVERS)
def test_dns_hides_version(client, hosts, dns, server_name):
    """version.bind CH TXT gets no TXT answer and nothing of named's version string."""
    output = dig(client, "@" + name_server_address(dns, server_name), "version.bind", "CH", "TXT")
    assert re.search(r"ANSWER: 0,", output), output
    version = hosts[server_name].check_output("named -v").split()[1]
    assert version not in output


@pytest.mark.parametrize("server_name", MAIL_SERVERS)
def test_vrfy_confirms_no_user(client, servers, server_name):
    """VRFY gets the same 502 (command disabled) for an existing user and for a made-up one."""
    server = servers[server_name]
    answers = [probe(client, "vrfy", *server["at"], "--port", 25, "--address", address)
               for address in (server["email"], "nobody-%s@%s" % (unique_subject("vrfy").split()[-1], server["domain"]))]
    assert [answer["code"] for answer in answers] == [502, 502], answers
    assert answers[0]["text"] == answers[1]["text"]


@pytest.mark.parametrize("server_name", MAIL_SERVERS)
def test_smtp_greeting_gives_no_version(client, servers, server_name):
    """The greeting on 25 and 587 is '220 <hostname> ESMTP': no software name, no version."""
    server = servers[server_name]
    mail_version = server["host"].check_output("postconf -h mail_version")
    for port in (25, 587):
        greeting = probe(client, "ehlo", *server["at"], "--port", port)["greeting"]
        assert greeting == "220 %s ESMTP" % server["hostname"]
        assert mail_version not in greeting


def test_check_diff_run_changes_nothing_and_shows_no_password(site_playbook, hosts, servers):
    """ansible-playbook --check --diff site.yml against the converged lab reports changed=0 on every
    host and prints none of the inventory's passwords."""
    run = site_playbook("--check", "--diff")
    assert run.wait(PLAYBOOK_TIMEOUT) == 0, run.output
    recap = run.recap()
    managed = {name for name in hosts if set(hosts[name].ansible.get_variables()["group_names"]) & {"dns_servers", "mail_servers"}}
    assert set(recap) == managed, run.output
    assert {name: counts["changed"] for name, counts in recap.items()} == dict.fromkeys(managed, 0), run.output
    for server in servers.values():
        assert server["password"] not in run.output


def test_open_relay_setting_refused_with_explanation(site_playbook, servers):
    """The tutorial's mynetworks 0.0.0.0/0 stops the run before anything changes, with a message
    that explains the open relay and names postfix_allow_open_relay."""
    run = site_playbook("--check", "--limit", "mail-alpha", "-e", json.dumps({"postfix_mynetworks": TUTORIAL_OPEN_RELAY_NETWORKS}))
    assert run.wait(PLAYBOOK_TIMEOUT) != 0, run.output
    assert "open relay" in run.output and "postfix_allow_open_relay" in run.output, run.output
    assert run.recap()["mail-alpha"]["failed"] == 1, run.output
    assert run.recap()["mail-alpha"]["changed"] == 0, run.output


def test_acknowledged_open_relay_warns_loudly(site_playbook, servers):
    """With postfix_allow_open_relay: true as well the run goes on (in --check mode: nothing is
    written) and gives the warning that the server is an open relay."""
    trusted_before = servers["mail-alpha"]["host"].check_output("postconf -h mynetworks")
    run = site_playbook("--check", "--limit", "mail-alpha", "-e",
                        json.dumps({"postfix_mynetworks": TUTORIAL_OPEN_RELAY_NETWORKS, "postfix_allow_open_relay": True}))
    assert run.wait(PLAYBOOK_TIMEOUT) == 0, run.output
    loud = [warning for warning in run.warnings("mail-alpha") if "this server is an OPEN RELAY" in warning]
    assert loud and loud[0].startswith("postfix_mynetworks contains %s" % TUTORIAL_OPEN_RELAY_NETWORKS[0]), run.output
    assert servers["mail-alpha"]["host"].check_output("postconf -h mynetworks") == trusted_before


@pytest.mark.parametrize("host_name", ["ns1"] + MAIL_SERVERS)
def test_no_password_in_logs(hosts, servers, host_name):
    """After the logins and playbook runs above, no user's password is in the journal (every field)
    or anywhere under /var/log of the name server and the mail servers."""
    host = hosts[host_name]
    for server in servers.values():
        journal = host.run("journalctl --no-pager -o export | grep -c -a -F -e %s", server["password"])
        assert journal.stdout.strip() == "0", "password of %s in the journal of %s" % (server["user"], host_name)
        files = host.run("grep -r -l -a -F -e %s /var/log", server["password"])
        assert files.rc == 1 and files.stdout == "", "password of %s in %s" % (server["user"], files.stdout)
