"""The school's mail to other domains leaves through the provider's relay host (postfix_relayhost):
Debian's answers and main.cf name it, the login is only in a file root alone reads, the mail arrives
in the relay's queue sent by that login over verified TLS, and with a wrong password it waits in the
school's queue, the check says why, and nothing is lost once the password is right again."""

import json
import re

import pytest

from conftest import playbook
from mailtests import has_row, probe, queue_is_empty, tables, unique_subject, wait_for

PASSWORD_FILE = "/etc/postfix/tkj_relay_password"
WRONG_PASSWORD = "Wrong-relay-password-2026"


def queued(host, address, queue="deferred"):
    """The queue ids of ``host``'s messages in ``queue`` to ``address`` (postqueue -j)."""
    found = []
    for line in host.check_output("postqueue -j").splitlines():
        message = json.loads(line)
        if message["queue_name"] == queue and any(item["address"] == address for item in message["recipients"]):
            found.append(message)
    return found


def send_away(host, school, label):
    """A message from the school's first user to an address at a foreign (.invalid) domain; the address."""
    user = school["users"][0]["name"]
    address = "%s-%s@elsewhere.invalid" % (label, unique_subject(label).split()[-1])
    sent = probe(host, "send", "--port", "25", "--sender", "%s@%s" % (user, school["domain"]), "--to", address,
                 "--subject", unique_subject(label))
    assert sent["ok"], sent
    return address


def test_debian_answers_and_main_cf_name_the_relay_and_only_root_reads_the_login(hosts, school):
    server = hosts["sekolah"]
    nexthop = "[%s]:587" % school["relayhost"]
    answers = server.check_output("debconf-show postfix")
    assert "postfix/main_mailer_type: Internet with smarthost" in answers and "postfix/relayhost: %s" % nexthop in answers
    assert server.check_output("postconf -h relayhost smtp_sasl_auth_enable smtp_tls_policy_maps").split("\n") == [
        nexthop, "yes", "texthash:/etc/postfix/tkj_tls_policy"]
    assert re.search(r"^\[%s\]:587\s+secure$" % re.escape(school["relayhost"]), server.file("/etc/postfix/tkj_tls_policy").content_string,
                     re.MULTILINE)
    secret = server.file(PASSWORD_FILE)
    assert (secret.user, secret.group, secret.mode) == ("root", "root", 0o600)
    for path in ("/etc/postfix/main.cf", "/etc/postfix/master.cf"):
        assert school["relay_password"] not in server.file(path).content_string
    assert school["relay_password"] not in server.check_output("journalctl --no-pager -o cat")


def test_mail_to_another_domain_reaches_the_relay_with_the_login_over_verified_tls(hosts, school):
    server, relay = hosts["sekolah"], hosts["relay"]
    address = send_away(server, school, "relayed")
    held = wait_for(lambda: queued(relay, address), what="the message in the relay's queue")
    assert "(Authenticated sender: %s)" % school["relay_user"] in relay.check_output("postcat -hq %s" % held[0]["queue_id"])
    wait_for(lambda: queue_is_empty(server), what="the school's queue to empty")
    log = server.check_output("journalctl --no-pager -o cat -t postfix/smtp")
    assert "Verified TLS connection established to %s[" % school["relayhost"] in log
    assert any(address in line and "relay=%s[" % school["relayhost"] in line and "status=sent" in line for line in log.splitlines())


@pytest.fixture(scope="module")
def wrong_password(hosts, school, acme_root):
    """The site run with a wrong relay password, a message sent, the check run from the relay's
    container; then the right password again and the queue flushed."""
    code, output = playbook("site", "--limit", "sekolah", "--diff", "-vvv", "-e", "school_relayhost_password=" + WRONG_PASSWORD)
    assert code == 0, output
    server = hosts["sekolah"]
    address = send_away(server, school, "deferred")
    waiting = wait_for(lambda: queued(server, address), what="the message deferred in the school's queue")
    check_code, check_output = playbook("check", "-e", "check_from=relay", "-e", '{"check_dns_servers": ["172.30.38.10"]}',
                                        "-e", "check_ca_file=%s" % acme_root)
    repair_code, repair_output = playbook("site", "--limit", "sekolah")
    server.run_test("postqueue -f")
    return {"output": output, "waiting": waiting, "address": address, "check": (check_code, check_output),
            "repair": (repair_code, repair_output), "journal": server.check_output("journalctl --no-pager -o cat")}


def test_a_wrong_password_is_never_shown_and_the_mail_waits_with_the_reason(wrong_password):
    """Not in the run's output with -vvv (the module's arguments as it was invoked), not in the server's journal."""
    assert WRONG_PASSWORD not in wrong_password["output"] and WRONG_PASSWORD not in wrong_password["journal"]
    assert "tkj_relay_password" in wrong_password["output"]
    reasons = [item["delay_reason"] for item in wrong_password["waiting"][0]["recipients"]]
    assert any("SASL authentication failed" in reason for reason in reasons), reasons


def test_the_check_names_the_refused_login_and_its_fix(wrong_password):
    code, output = wrong_password["check"]
    table = tables(output)["sekolah"]
    assert has_row(table, "Queue", "WARNING", "1 message(s) deferred on sekolah: SASL authentication failed"), table
    queue_row = [line for line in table if line.startswith("Queue")][0]
    assert "postfix_relayhost_password" in queue_row and "[ID]" in queue_row
    # The rest of the school's server is well: only the queue warns.
    assert code == 0 and table[-1].endswith(" 0 failed, 1 warnings"), table


def test_nothing_is_lost_once_the_password_is_right_again(wrong_password, hosts):
    code, output = wrong_password["repair"]
    assert code == 0, output
    wait_for(lambda: queued(hosts["relay"], wrong_password["address"]), what="the deferred message in the relay's queue")
    wait_for(lambda: queue_is_empty(hosts["sekolah"]), what="the school's queue to empty")
