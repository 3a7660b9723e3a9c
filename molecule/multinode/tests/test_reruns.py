"""Re-runs: every host is compared once with what the last converged run of its roles left
(tkj.mailserver.converged_state), and only hosts that differ run the roles' tasks. These tests
check that the comparison misses nothing that the roles manage: a hand-edited file, a stopped
service, a changed setting are each put right by the next run; a host that did not change is left
alone; and the roles' tasks themselves, run in full without the stamps, change nothing."""

import json
import os
import pathlib
import re

import yaml

ROLES = pathlib.Path(os.environ["MOLECULE_PROJECT_DIRECTORY"]) / "roles"
ZONE_DIR = yaml.safe_load((ROLES / "dns" / "defaults" / "main.yml").read_text(encoding="utf-8"))["dns_zone_dir"]
LAB_SERVERS = ["ns1", "mail-alpha", "mail-beta"]
STATE_DIR = "/var/lib/tkj-mailserver"
PARTS = {"ns1": ["dns"], "mail-alpha": ["dovecot", "postfix"], "mail-beta": ["dns", "dovecot", "postfix"]}
PLAYBOOK_TIMEOUT = 300
# A task every mail server runs when its postfix role runs in full.
POSTCONF_TASK = "TASK [tkj.mailserver.postfix : Set main.cf and the submission service in master.cf]"
ZONE_TASK = "TASK [tkj.mailserver.dns : Write the zone files]"
# A task every DNS server runs when its dns role runs in full (the zone task has no item on a
# secondary-only server).
NAMED_CONF_TASK = "TASK [tkj.mailserver.dns : Write named.conf.options and named.conf.local]"
SERIAL_LINE = re.compile(r"^\s*(\d{10}) ; serial$", re.MULTILINE)


def finished(run):
    assert run.wait(PLAYBOOK_TIMEOUT) == 0, run.output
    return run


def stamps(host):
    return sorted(name[: -len(".json")] for name in host.check_output("ls %s", STATE_DIR).split())


def test_each_host_has_a_private_stamp_per_role(hosts):
    for name in LAB_SERVERS:
        assert stamps(hosts[name]) == PARTS[name]
        assert hosts[name].file(STATE_DIR).mode == 0o700
        for part in PARTS[name]:
            stamp = hosts[name].file("%s/%s.json" % (STATE_DIR, part))
            assert (stamp.user, stamp.mode) == ("root", 0o600)
    # Checksums only: no password hash and no file content.
    postfix_stamp = json.loads(hosts["mail-alpha"].file(STATE_DIR + "/postfix.json").content_string)
    assert postfix_stamp["observed"]["services"] == {"postfix": "ActiveState=active UnitFileState=enabled"}
    assert "$6$" not in hosts["mail-alpha"].file(STATE_DIR + "/dovecot.json").content_string


def test_unchanged_hosts_run_no_role_task(site_playbook):
    run = finished(site_playbook())
    assert run.changed() == dict.fromkeys(LAB_SERVERS, 0), run.output
    assert run.hosts_under(POSTCONF_TASK) == [] and run.hosts_under(NAMED_CONF_TASK) == []


def test_full_run_without_stamps_changes_nothing(site_playbook, hosts):
    """Without the stamps every role runs all its tasks, as on the first run after a change: the
    real idempotence of the tasks, on Debian 12 (mail-alpha) and 13 (mail-beta, ns1)."""
    for name in LAB_SERVERS:
        hosts[name].run_test("rm -rf %s", STATE_DIR)
    run = finished(site_playbook())
    assert run.changed() == dict.fromkeys(LAB_SERVERS, 0), run.output
    assert run.hosts_under(POSTCONF_TASK) == ["mail-alpha", "mail-beta"]
    assert run.hosts_under(NAMED_CONF_TASK) == ["mail-beta", "ns1"]
    for name in LAB_SERVERS:
        assert stamps(hosts[name]) == PARTS[name]


def test_drift_is_put_right_and_only_where_it_is(site_playbook, hosts, dns):
    """main.cf edited by hand and Dovecot stopped on mail-alpha, a zone file edited on ns1: the
    next run puts back exactly that, on those two hosts; mail-beta runs no role task. The zone
    file is rewritten with the same records and a higher serial, so secondaries take it again."""
    zone_file = "%s/db.%s" % (ZONE_DIR, dns["zones"][0])
    zone_before = hosts["ns1"].file(zone_file).content_string
    hosts["mail-alpha"].run_test("postconf -e home_mailbox=mbox")
    hosts["mail-alpha"].run_test("systemctl stop dovecot")
    hosts["ns1"].run_test("sh -c 'echo \"; edited by hand\" >> %s'" % zone_file)

    run = finished(site_playbook())
    counts = run.changed()
    assert counts["mail-alpha"] > 0 and counts["ns1"] > 0 and counts["mail-beta"] == 0, run.output
    assert run.hosts_under(POSTCONF_TASK) == ["mail-alpha"]
    assert run.hosts_under(ZONE_TASK) == ["ns1"]
    assert hosts["mail-alpha"].check_output("postconf -h home_mailbox") == "Maildir/"
    assert hosts["mail-alpha"].service("dovecot").is_running
    zone_after = hosts["ns1"].file(zone_file).content_string
    assert "edited by hand" not in zone_after
    assert SERIAL_LINE.sub("", zone_after) == SERIAL_LINE.sub("", zone_before)
    assert int(SERIAL_LINE.search(zone_after).group(1)) > int(SERIAL_LINE.search(zone_before).group(1))

    again = finished(site_playbook())
    assert again.changed() == dict.fromkeys(LAB_SERVERS, 0), again.output


def test_check_mode_reports_drift_and_leaves_it(site_playbook, hosts):
    hosts["mail-beta"].run_test("postconf -e disable_vrfy_command=no")
    check = finished(site_playbook("--check"))
    assert check.changed()["mail-beta"] > 0 and check.changed()["mail-alpha"] == 0, check.output
    assert hosts["mail-beta"].check_output("postconf -h disable_vrfy_command") == "no"
    repair = finished(site_playbook())
    assert repair.changed()["mail-beta"] > 0, repair.output
    assert hosts["mail-beta"].check_output("postconf -h disable_vrfy_command") == "yes"


def test_changed_setting_is_applied_and_taken_back(site_playbook, servers):
    """A new value in the inventory is a new fingerprint: the roles run, and again when it goes."""
    banner = "$myhostname ESMTP changed setting"
    applied = finished(site_playbook("-e", json.dumps({"postfix_extra_settings": {"smtpd_banner": banner}})))
    assert all(applied.changed()[name] > 0 for name in servers), applied.output
    for server in servers.values():
        assert server["host"].check_output("postconf -h smtpd_banner") == banner
    back = finished(site_playbook())
    assert all(back.changed()[name] > 0 for name in servers), back.output
    for server in servers.values():
        assert server["host"].check_output("postconf -h smtpd_banner") == "$myhostname ESMTP"
