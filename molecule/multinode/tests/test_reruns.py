"""Re-runs: every role checks the host's real state on every run. A hand-edited file, a stopped and
disabled service, a removed package, a Dovecot 2.3 setting written by hand on Dovecot 2.4 are each
put right by the next run, and the service answers again on its port with its protocol; the run
after that is silent (changed=0) with every role task running. A host whose packages are all in
re-runs offline, with old package lists and no mirror."""

import json
import os
import pathlib
import re

import pytest
import yaml

from conftest import PlaybookRun, finished
from mailtests import lab_ca_file, probe

ROLES = pathlib.Path(os.environ["MOLECULE_PROJECT_DIRECTORY"]) / "roles"
ZONE_DIR = yaml.safe_load((ROLES / "dns" / "defaults" / "main.yml").read_text(encoding="utf-8"))["dns_zone_dir"]
LAB_SERVERS = ["ns1", "mail-alpha", "mail-beta"]
# A module of each role that runs (and checks the host) on every run.
ROLE_MODULES = {
    "tls": "tkj.mailserver.certificate",
    "dns": "tkj.mailserver.bind_zone",
    "postfix": "tkj.mailserver.postconf",
    "dovecot": "tkj.mailserver.dovecot_config",
    "mail_auth": "tkj.mailserver.dkim_key",
}
SERIAL_LINE = re.compile(r"^\s*(\d{10}) ; serial$", re.MULTILINE)
# What a student following a Dovecot 2.3 tutorial appends on Debian 13 (Dovecot 2.4 refuses it).
DOVECOT_23_LINE = "disable_plaintext_auth = no"
APT_PROXY_FILE = "/etc/apt/apt.conf.d/01tkj-proxy"
CERT_FILE = "/etc/ssl/certs/tkj-mailserver.pem"


def imap_login(client, server, port=143):
    """True when the server's user logs in over IMAP (STARTTLS on 143)."""
    return probe(client, "imap", *server["at"], "--port", port, "--starttls", "--user", server["user"],
                 password=server["password"])["login"]


def pop3_login(client, server):
    """True when the server's user logs in over POP3S (995)."""
    return probe(client, "pop3", *server["at"], "--port", 995, "--ssl", "--user", server["user"],
                 password=server["password"])["login"]


def test_every_role_task_runs_and_changes_nothing(site_playbook):
    """On the converged lab a run changes nothing, and each role's tasks ran on each of its hosts:
    no shortcut skips them (Debian 12: mail-alpha; Debian 13: ns1, mail-beta)."""
    run = finished(site_playbook())
    assert run.changed() == dict.fromkeys(LAB_SERVERS, 0), run.output
    assert run.hosts_that_ran_module(ROLE_MODULES["dns"]) == ["mail-beta", "ns1"]
    for role in ("tls", "postfix", "dovecot", "mail_auth"):
        assert run.hosts_that_ran_module(ROLE_MODULES[role]) == ["mail-alpha", "mail-beta"], role
    assert all(counts["ok"] > 20 for name, counts in run.recap().items() if name.startswith("mail-")), run.recap()


@pytest.fixture(scope="module")
def drift(hosts, dns):
    """Break every role by hand, run the playbook once to repair, once more to see it silent.

    ns1 (dns, Debian 13):         the zone file edited, named stopped and disabled, bind9 removed.
    mail-alpha (Debian 12):       main.cf edited, Postfix stopped and disabled, a Dovecot file edited,
                                  OpenDKIM stopped and disabled, its key made readable to all, the
                                  aliases database deleted.
    mail-beta (Debian 13):        dovecot-pop3d removed; the 2.3 line appended to conf.d/10-auth.conf,
                                  so that Dovecot 2.4 refuses to (re)start; Dovecot stopped and disabled;
                                  the TLS certificate file deleted.
    """
    zone_file = "%s/db.%s" % (ZONE_DIR, dns["zones"][0])
    before = {"zone": hosts["ns1"].file(zone_file).content_string}
    hosts["ns1"].run_test("sh -c 'echo \"; edited by hand\" >> %s'" % zone_file)
    hosts["ns1"].run_test("systemctl disable --now named")
    hosts["ns1"].run_test("env DEBIAN_FRONTEND=noninteractive apt-get remove -y -q bind9")

    hosts["mail-alpha"].run_test("postconf -e home_mailbox=mbox")
    hosts["mail-alpha"].run_test("systemctl disable --now postfix")
    hosts["mail-alpha"].run_test("sed -i 's/^ssl = required/ssl = yes/' /etc/dovecot/conf.d/10-ssl.conf")
    hosts["mail-alpha"].run_test("systemctl disable --now opendkim")
    hosts["mail-alpha"].run_test("chmod 0644 /etc/dkimkeys/*.private")
    hosts["mail-alpha"].run_test("rm /etc/aliases.db")

    hosts["mail-beta"].run_test("env DEBIAN_FRONTEND=noninteractive apt-get remove -y -q dovecot-pop3d")
    hosts["mail-beta"].run_test("sh -c 'echo \"%s\" >> /etc/dovecot/conf.d/10-auth.conf'" % DOVECOT_23_LINE)
    refused = hosts["mail-beta"].run("systemctl restart dovecot")
    hosts["mail-beta"].run_test("systemctl disable --now dovecot")
    hosts["mail-beta"].run_test("rm %s" % CERT_FILE)

    repair = finished(PlaybookRun())
    again = finished(PlaybookRun())
    return {"before": before, "zone_file": zone_file, "refused": refused, "repair": repair, "again": again}


def test_drift_is_reported_as_changed_on_each_host(drift):
    """The repair run reports changes on every host it had to put right, and only there."""
    assert drift["refused"].rc != 0, "Dovecot 2.4 started with a 2.3 setting"
    counts = drift["repair"].changed()
    assert all(counts[name] > 0 for name in LAB_SERVERS), drift["repair"].output


def test_zone_named_and_bind9_come_back(drift, hosts, dns, client):
    """named is installed, enabled and running again and answers the zone's SOA from the client;
    the zone file has the same records as before with a higher serial (so secondaries take it)."""
    assert hosts["ns1"].package("bind9").is_installed
    assert hosts["ns1"].service("named").is_enabled and hosts["ns1"].service("named").is_running
    soa = client.check_output("dig +short @%s %s SOA", dns["address"], dns["zones"][0])
    assert soa, "no SOA from ns1"
    after = hosts["ns1"].file(drift["zone_file"]).content_string
    assert "edited by hand" not in after
    assert SERIAL_LINE.sub("", after) == SERIAL_LINE.sub("", drift["before"]["zone"])
    assert int(SERIAL_LINE.search(after).group(1)) > int(SERIAL_LINE.search(drift["before"]["zone"]).group(1))


def test_postfix_and_main_cf_come_back(drift, servers, client):
    """mail-alpha's Postfix is enabled and running with main.cf put back, and greets on 25 and 587."""
    server = servers["mail-alpha"]
    assert server["host"].check_output("postconf -h home_mailbox") == "Maildir/"
    assert server["host"].service("postfix").is_enabled
    for port in (25, 587):
        greeting = probe(client, "ehlo", *server["at"], "--port", port)["greeting"]
        assert greeting == "220 %s ESMTP" % server["hostname"]


def test_aliases_database_comes_back(drift, servers):
    """local(8) reads /etc/aliases from its database: it is built again, and root's mail goes to the
    user postfix_root_recipient names."""
    host = servers["mail-alpha"]["host"]
    assert host.check_output("postalias -q root hash:/etc/aliases") == "ana"


def test_signing_comes_back(drift, servers):
    """mail-alpha's OpenDKIM is enabled and running again, and its keys are readable only by it."""
    host = servers["mail-alpha"]["host"]
    assert host.service("opendkim").is_enabled and host.service("opendkim").is_running
    modes = host.check_output("stat -c '%a %U' /etc/dkimkeys/*.private").splitlines()
    assert modes and set(modes) == {"600 opendkim"}, modes


def test_edited_dovecot_file_comes_back(drift, servers, client):
    """mail-alpha's 10-ssl.conf says ssl = required again and IMAP logins work after STARTTLS."""
    server = servers["mail-alpha"]
    assert server["host"].check_output("doveconf -h ssl") == "required"
    assert imap_login(client, server)


def test_deleted_certificate_comes_back(drift, servers, client):
    """mail-beta's certificate file is installed again, the one the lab CA issued, and IMAPS verifies."""
    server = servers["mail-beta"]
    issued = (lab_ca_file(os.environ["MOLECULE_INVENTORY_FILE"]).parent / "issued" / "mail-beta.crt").read_text()
    assert server["host"].file(CERT_FILE).content_string == issued
    assert pop3_login(client, server)


def test_removed_pop3_package_serves_pop3_again(drift, servers, client):
    """On mail-beta dovecot-pop3d is back, and Dovecot was restarted so that POP3 answers (995)."""
    server = servers["mail-beta"]
    assert server["host"].package("dovecot-pop3d").is_installed
    assert server["host"].socket("tcp://0.0.0.0:995").is_listening
    assert pop3_login(client, server)


def test_dovecot_23_setting_on_24_is_translated_and_dovecot_starts(drift, servers, client):
    """The appended 2.3 line no longer stops Dovecot 2.4: the role's own value wins, doveconf is
    clean, Dovecot is enabled and running, and cleartext logins stay refused outside TLS."""
    host = servers["mail-beta"]["host"]
    assert not re.search(r"^%s" % re.escape(DOVECOT_23_LINE), host.file("/etc/dovecot/conf.d/10-auth.conf").content_string, re.MULTILINE)
    assert host.run("doveconf -n").rc == 0
    assert host.check_output("doveconf -h auth_allow_cleartext") == "no"
    assert host.service("dovecot").is_enabled and host.service("dovecot").is_running
    assert imap_login(client, servers["mail-beta"])


def test_run_after_repair_is_silent(drift):
    """The run after the repair changes nothing on any host."""
    assert drift["again"].changed() == dict.fromkeys(LAB_SERVERS, 0), drift["again"].output


def test_offline_rerun_repairs_main_cf(site_playbook, servers):
    """With every package in, no reachable mirror and package lists a week old, a run that repairs a
    hand-edited main.cf succeeds: the lists are refreshed only when a package is missing."""
    host = servers["mail-alpha"]["host"]
    proxy = host.file(APT_PROXY_FILE).content_string
    host.run_test("mv %s /root/apt-proxy.saved", APT_PROXY_FILE)
    # Nothing listens on the discard port: every fetch fails at once.
    host.run_test("sh -c 'echo Acquire::http::Proxy \\\"http://127.0.0.1:9\\\"\\; > %s'" % APT_PROXY_FILE)
    try:
        host.run_test("find /var/lib/apt/lists /var/cache/apt -maxdepth 1 -type f -exec touch -d '8 days ago' {} +")
        host.run_test("postconf -e disable_vrfy_command=no")
        run = finished(site_playbook("--limit", "mail-alpha"))
        assert run.changed()["mail-alpha"] > 0, run.output
        assert host.check_output("postconf -h disable_vrfy_command") == "yes"
        installs = run.module_results("tkj.mailserver.packages", "mail-alpha")
        assert {package for result in installs for package in result["versions"]} >= {"postfix", "dovecot-core"}, installs
        for result in installs:
            assert result["missing"] == [] and not result["changed"] and "cache_updated" not in result, result
    finally:
        host.run_test("mv /root/apt-proxy.saved %s", APT_PROXY_FILE)
    assert host.file(APT_PROXY_FILE).content_string == proxy


def test_check_mode_reports_drift_and_leaves_it(site_playbook, hosts):
    """--check on a hand-edited main.cf reports the change on that host only and writes nothing;
    the next run puts it right."""
    hosts["mail-beta"].run_test("postconf -e disable_vrfy_command=no")
    check = finished(site_playbook("--check"))
    assert check.changed()["mail-beta"] > 0 and check.changed()["mail-alpha"] == 0, check.output
    assert hosts["mail-beta"].check_output("postconf -h disable_vrfy_command") == "no"
    repair = finished(site_playbook())
    assert repair.changed()["mail-beta"] > 0, repair.output
    assert hosts["mail-beta"].check_output("postconf -h disable_vrfy_command") == "yes"


def test_changed_setting_is_applied_and_taken_back(site_playbook, servers):
    """A new value in the inventory is applied on every mail server, and taken back when it goes."""
    banner = "$myhostname ESMTP changed setting"
    applied = finished(site_playbook("-e", json.dumps({"postfix_extra_settings": {"smtpd_banner": banner}})))
    assert all(applied.changed()[name] > 0 for name in servers), applied.output
    for server in servers.values():
        assert server["host"].check_output("postconf -h smtpd_banner") == banner
    back = finished(site_playbook())
    assert all(back.changed()[name] > 0 for name in servers), back.output
    for server in servers.values():
        assert server["host"].check_output("postconf -h smtpd_banner") == "$myhostname ESMTP"


# Tasks that run whatever the tags: ansible-core's argument checks and what one role tells another.
ALWAYS_ACTIONS = ("ansible.builtin.validate_argument_spec", "ansible.builtin.set_fact")


def roles_that_ran(run):
    """The roles (by short name; "" for a play's own task) with a task that ran on some host, the
    tasks that run whatever the tags left out."""
    ran = set()
    for play in run.results()["plays"]:
        for task in play["tasks"]:
            role = task["task"]["name"].rpartition(" : ")[0]
            if any(not result.get("skipped") and result.get("action") not in ALWAYS_ACTIONS for result in task["hosts"].values()):
                ran.add(role.rsplit(".", 1)[-1])
    return ran


def test_tags_run_only_the_roles_they_name(site_playbook, hosts, dns):
    """--tags postfix runs Postfix's tasks only: a hand edit of main.cf is put right, one of the zone
    file is left, and Postfix keeps its milters and certificate (what the skipped roles tell it);
    --skip-tags postfix then runs every other role, which puts the zone file right."""
    zone_file = "%s/db.%s" % (ZONE_DIR, dns["zones"][0])
    milters = hosts["mail-alpha"].check_output("postconf -h smtpd_milters")
    hosts["mail-alpha"].run_test("postconf -e home_mailbox=mbox")
    hosts["ns1"].run_test("sh -c 'echo \"; edited by hand\" >> %s'" % zone_file)

    postfix_only = finished(site_playbook("--tags", "postfix"))
    assert roles_that_ran(postfix_only) == {"postfix"}, postfix_only.output
    # A host where no task ran (ns1: site.yml runs no argument-spec task there) is not in the recap.
    changed = postfix_only.changed()
    assert changed["mail-alpha"] > 0 and changed.get("ns1", 0) == 0 and changed.get("mail-beta", 0) == 0, postfix_only.output
    assert hosts["mail-alpha"].check_output("postconf -h home_mailbox") == "Maildir/"
    assert hosts["mail-alpha"].check_output("postconf -h smtpd_milters") == milters
    assert "; edited by hand" in hosts["ns1"].file(zone_file).content_string

    others = finished(site_playbook("--skip-tags", "postfix"))
    assert roles_that_ran(others) == {"tls", "dns", "mail_auth", "dovecot"}, others.output
    assert others.changed()["ns1"] > 0 and others.changed()["mail-alpha"] == 0, others.output
    assert "; edited by hand" not in hosts["ns1"].file(zone_file).content_string
