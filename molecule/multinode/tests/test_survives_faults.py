"""Issue 6, faults: nothing is lost. Mail for a lab domain whose server is down waits in the queue;
containers restart with every service coming back by itself and the mail still there; a burst of
mail survives a Postfix reload and a Dovecot restart; a playbook run killed half-way is repaired by
the next run. This file runs after the mail-flow and security tests (pytest takes files in
alphabetical order), because it stops and restarts the lab's containers."""

import json
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

from mailtests import maildir_files_with, maildir_subjects_starting, probe, queue_is_empty, unique_subject, wait_for

LAB_SERVERS = ["ns1", "mail-alpha", "mail-beta"]
# What each inventory group runs, and the sockets that prove the daemon itself is up.
GROUP_SERVICES = {"dns_servers": ["named"], "mail_servers": ["postfix", "dovecot"]}
SERVICE_SOCKETS = {
    "named": [("tcp", "53"), ("udp", "53")],
    "postfix": [("tcp", "25"), ("tcp", "587")],
    "dovecot": [("tcp", "110"), ("tcp", "143"), ("tcp", "993"), ("tcp", "995")],
}
# Where the collection's modules write, and the temporary files they write beside their target.
CONFIG_DIRS = ["/etc/postfix", "/etc/dovecot", "/etc/bind"]
TEMP_FILE_PATTERN = ".*.tkj-tmp-*"
BOOT_TIMEOUT = 180
DELIVERY_TIMEOUT = 120
PLAYBOOK_TIMEOUT = 300
BURST_SIZE = 500
BURST_THREADS = 20
BURST_DEADLINE = 120
# Postfix's default concurrency per destination, here Dovecot's LMTP socket.
LMTP_CONCURRENCY = 20


def docker(*args):
    """Run the docker command line on the controller (the container names are the inventory names)."""
    subprocess.run(["docker"] + list(args), check=True, capture_output=True, text=True, timeout=180)


def services_of(host):
    """The services the inventory groups of ``host`` give it."""
    groups = host.ansible.get_variables()["group_names"]
    return [service for group, services in GROUP_SERVICES.items() if group in groups for service in services]


def listening(host):
    """(protocol, port) of every socket listening on ``host``, on whichever address."""
    return {(entry.split("://")[0], entry.rsplit(":", 1)[1]) for entry in host.socket.get_listening_sockets()}


def wait_until_serving(host, what):
    """Poll until systemd has booted ``host`` without a failed unit and each of its services is
    active and listens on its sockets; nothing here starts a service."""
    services = services_of(host)

    def serving():
        if host.run("systemctl is-system-running").stdout.strip() != "running":
            return False
        sockets = listening(host)
        return all(host.service(service).is_running and set(SERVICE_SOCKETS[service]) <= sockets for service in services)

    wait_for(serving, timeout=BOOT_TIMEOUT, interval=1, what=what)
    return services


def queued_with(host, subject):
    """The entries of Postfix's queue (postqueue -j) for the message with ``subject``; an entry
    delivered between the listing and the look at its headers (postcat fails) is no longer queued."""
    entries = [json.loads(line) for line in host.check_output("postqueue -j").splitlines()]
    return [entry for entry in entries if subject in host.run("postcat -h -q %s", entry["queue_id"]).stdout]


def files_in_maildir(host, user, subject):
    """The files holding ``subject`` in ``user``'s Maildir, read (cur) or not (new)."""
    return maildir_files_with(host, user, subject, "new") + maildir_files_with(host, user, subject, "cur")


def wait_for_delivery(server, subject, what):
    """Poll until the message with ``subject`` is in the Maildir of ``server``'s user; its files."""
    return wait_for(lambda: files_in_maildir(server["host"], server["user"], subject), timeout=DELIVERY_TIMEOUT, what=what)


def submit(client, sender, recipient, subject):
    """The client submits a message on the sender's server (587, STARTTLS, the sender's login)."""
    result = probe(client, "send", *sender["at"], "--port", 587, "--starttls", "--user", sender["user"],
                   "--sender", sender["email"], "--to", recipient["email"], "--subject", subject,
                   "--body", "%s -> %s\n" % (sender["email"], recipient["email"]), password=sender["password"])
    assert result["ok"] and result["authenticated"], result


def test_mail_to_stopped_server_waits_in_queue_then_arrives_once(client, servers):
    """With mail-beta's container stopped, mail from alpha to beta is accepted and waits in
    mail-alpha's deferred queue; no bounce reaches the sender. Once mail-beta is started again
    (its services come back by themselves) and the queue is flushed, the message is in the
    recipient's Maildir exactly once."""
    sender, recipient = servers["mail-alpha"], servers["mail-beta"]
    subject = unique_subject("outage")
    docker("stop", "mail-beta")
    try:
        submit(client, sender, recipient, subject)
        deferred = wait_for(lambda: [entry for entry in queued_with(sender["host"], subject) if entry["queue_name"] == "deferred"],
                            timeout=DELIVERY_TIMEOUT, what="the message to mail-beta deferred in mail-alpha's queue")
        assert len(deferred) == 1, deferred
        assert [(each["address"], bool(each["delay_reason"])) for each in deferred[0]["recipients"]] == [(recipient["email"], True)]
        assert files_in_maildir(sender["host"], sender["user"], subject) == []
    finally:
        docker("start", "mail-beta")
    wait_until_serving(recipient["host"], "mail-beta's services back after its start")

    sender["host"].run_test("postqueue -f")
    wait_for(lambda: queued_with(sender["host"], subject) == [], timeout=DELIVERY_TIMEOUT, what="the message to leave mail-alpha's queue")
    assert len(wait_for_delivery(recipient, subject, "delivery after the outage")) == 1
    assert files_in_maildir(sender["host"], sender["user"], subject) == []


def test_restarted_containers_serve_again_and_keep_mail(client, hosts, servers, dns):
    """Mail delivered to each user, then ns1, mail-alpha and mail-beta restarted: every service comes
    back by itself (enabled, active, listening), the client is served again (SMTP greeting, IMAPS
    login, each zone's SOA from ns1 and from the secondary, same serial) and every delivered
    message is still in its Maildir, once."""
    subjects = {}
    for name, server in servers.items():
        other = servers["mail-beta" if name == "mail-alpha" else "mail-alpha"]
        subjects[name] = unique_subject("before-restart")
        submit(client, other, server, subjects[name])
    for name, server in servers.items():
        wait_for_delivery(server, subjects[name], "delivery to %s before the restart" % name)

    docker("restart", *LAB_SERVERS)
    for name in LAB_SERVERS:
        for service in wait_until_serving(hosts[name], "%s's services back after the restart" % name):
            assert hosts[name].service(service).is_enabled, (name, service)

    for name, server in servers.items():
        assert probe(client, "ehlo", *server["at"], "--port", 25)["greeting"] == "220 %s ESMTP" % server["hostname"]
        login = probe(client, "imap", *server["at"], "--port", 993, "--ssl", "--user", server["user"],
                      "--subject", subjects[name], password=server["password"])
        assert login["login"], login
        assert [message["subject"] for message in login["messages"]] == [subjects[name]]
        assert len(files_in_maildir(server["host"], server["user"], subjects[name])) == 1
    for zone in dns["zones"]:
        serials = [client.check_output("dig +short +norecurse @%s %s SOA", address, zone).split()[2:3]
                   for address in (dns["address"], dns["secondary"]["address"])]
        assert serials[0] and serials[0] == serials[1], (zone, serials)


def test_burst_during_postfix_reload_and_dovecot_restart_loses_nothing(client, servers):
    """BURST_SIZE messages sent at once from BURST_THREADS client threads while the receiving server
    reloads Postfix (its master logs the reload during the burst) and restarts Dovecot (new main
    process): the server takes every one, and each is in the Maildir (counted by the unique number in
    its subject). When Postfix writes the Maildir itself (local(8)), each is there exactly once. When
    Dovecot delivers (LMTP, for the quota), a delivery that Dovecot's restart cut off after the
    message was saved but before LMTP said so is delivered again by Postfix: SMTP's rule, never lose,
    at worst twice. Those are at most the deliveries in progress at the restart (Postfix's LMTP
    concurrency, 20), and none is missing."""
    recipient = servers["mail-beta"]
    prefix = unique_subject("burst") + " "
    dovecot_pid = recipient["host"].check_output("systemctl show -p MainPID --value dovecot")
    with ThreadPoolExecutor(max_workers=1) as pool:
        burst = pool.submit(probe, client, "burst", *recipient["at"], "--port", 25,
                            "--sender", "burst@probe.invalid", "--to", recipient["email"], "--subject", prefix.strip(),
                            "--count", BURST_SIZE, "--threads", BURST_THREADS, "--deadline", BURST_DEADLINE)
        wait_for(lambda: burst.done() or maildir_subjects_starting(recipient["host"], recipient["user"], prefix),
                 timeout=BURST_DEADLINE, interval=0.1, what="the first message of the burst")
        reloaded_at = time.time()
        recipient["host"].run_test("systemctl reload postfix")
        restarted_at = time.time()
        recipient["host"].run_test("systemctl restart dovecot")
        result = burst.result(timeout=BURST_DEADLINE + 60)

    assert result["started"] < reloaded_at < restarted_at < result["finished"], (result, reloaded_at, restarted_at)
    master_log = recipient["host"].check_output("journalctl -t postfix/master --no-pager -o short-unix").splitlines()
    reloads = [float(line.split()[0]) for line in master_log if "reload --" in line]
    assert any(reloaded_at <= reload <= result["finished"] for reload in reloads), (reloads, reloaded_at, result)
    assert recipient["host"].check_output("systemctl show -p MainPID --value dovecot") != dovecot_pid
    assert result["failed"] == {} and result["sent"] == BURST_SIZE, result
    # With a mailbox quota Dovecot delivers (LMTP): what reached Postfix while Dovecot restarted
    # waits in the queue, and Postfix would try it again at its next queue run, minutes later. The
    # test asks for that run now, as an admin does after restarting Dovecot by hand.
    recipient["host"].run_test("postqueue -f")
    wait_for(lambda: queue_is_empty(recipient["host"]) and len(
        maildir_subjects_starting(recipient["host"], recipient["user"], prefix)) >= BURST_SIZE,
        timeout=DELIVERY_TIMEOUT, what="delivery of the whole burst")
    subjects = maildir_subjects_starting(recipient["host"], recipient["user"], prefix)
    expected = sorted("%s%d" % (prefix, number) for number in range(BURST_SIZE))
    if recipient["quota"]:
        twice = len(subjects) - len(set(subjects))
        assert sorted(set(subjects)) == expected and twice <= LMTP_CONCURRENCY, (twice, sorted(subjects))
    else:
        assert sorted(subjects) == expected
    # The burst would fill most of the user's 1 MB quota: make room for the tests after this one.
    recipient["host"].run_test("doveadm expunge -u %s mailbox INBOX subject %s", recipient["user"], prefix.strip())


def postfix_state(host):
    """Postfix's effective non-default settings and its master.cf services."""
    return host.check_output("postconf -n"), host.check_output("postconf -M")


def test_killed_run_is_repaired_by_next_run(site_playbook, hosts, servers):
    """A run changing smtpd_banner is SIGKILLed inside the postfix role, right after main.cf was
    written and before Postfix was reloaded. The next run, without the change, completes and puts
    main.cf back; the one after it reports changed=0; no temporary file of the modules is left in
    /etc/postfix, /etc/dovecot or /etc/bind; Postfix's configuration is the converged one again."""
    converged = {name: postfix_state(server["host"]) for name, server in servers.items()}
    interrupted_banner = "$myhostname ESMTP interrupted run"
    interrupted = site_playbook("-e", json.dumps({"postfix_extra_settings": {"smtpd_banner": interrupted_banner}}))

    def written():
        """The mail servers whose main.cf has the new banner already (or all, if the run ended)."""
        if interrupted.process.poll() is not None:
            return list(servers)
        return [name for name, server in servers.items()
                if server["host"].run("postconf -c /etc/postfix -h smtpd_banner").stdout.strip() == interrupted_banner]

    half_done = wait_for(written, timeout=PLAYBOOK_TIMEOUT, interval=0.1, what="the postfix role writing main.cf")
    interrupted.kill()
    assert interrupted.process.returncode != 0 and interrupted.streams["stdout"] == [], interrupted.output
    for name in half_done:
        assert servers[name]["host"].check_output("postconf -h smtpd_banner") == interrupted_banner

    repair = site_playbook()
    assert repair.wait(PLAYBOOK_TIMEOUT) == 0, repair.output
    assert all(repair.changed()[name] > 0 for name in half_done), repair.output
    check = site_playbook()
    assert check.wait(PLAYBOOK_TIMEOUT) == 0, check.output
    assert check.changed() == dict.fromkeys(LAB_SERVERS, 0), check.output

    for name in LAB_SERVERS:
        directories = [directory for directory in CONFIG_DIRS if hosts[name].file(directory).is_directory]
        leftovers = hosts[name].check_output("find " + "%s " * len(directories) + "-name %s", *directories, TEMP_FILE_PATTERN)
        assert leftovers == "", "%s: %s" % (name, leftovers)
    assert {name: postfix_state(server["host"]) for name, server in servers.items()} == converged
