"""Upgrade in place: a Debian 12 mail server, upgraded to Debian 13 (upgrade.yml) and then given
the collection's run again, is in the state of a fresh Debian 13 server, and its users lost
nothing: their mail, its IMAP UIDs and POP3 UIDLs, their passwords, the zones' serials."""

import difflib
import os
import re

import pytest
import testinfra.utils.ansible_runner

from mailtests import probe, unique_subject, wait_for

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("all")

# The settings the dovecot role writes, by their Dovecot 2.4 names (mail_location's and those it
# comments out included, and Mozilla's intermediate TLS profile): the only lines where its files may
# differ from Debian 13's.
ROLE_SETTINGS = re.compile(r"^#?\s*(mail_\w+|mailbox_\w+|auth_allow_cleartext|auth_mechanisms|ssl|ssl_server_(cert|key)_file"
                           r"|ssl_min_protocol|ssl_cipher_list|ssl_curve_list|ssl_server_prefer_ciphers)\s*=")
ROLE_FILES = ("conf.d/10-auth.conf", "conf.d/10-mail.conf", "conf.d/10-ssl.conf")


def test_the_host_runs_debian_13_with_dovecot_24(host):
    assert host.file("/etc/debian_version").content_string.startswith("13")
    assert host.check_output("dovecot --version").startswith("2.4")


def test_dpkg_finished_every_package(host):
    """dpkg has nothing half-configured left (the upgrade left dovecot-core so)."""
    assert host.check_output("dpkg --audit") == ""
    for name in ("dovecot-core", "dovecot-imapd", "dovecot-pop3d"):
        assert host.package(name).is_installed


def test_dovecot_configuration_is_debian_13s_with_the_roles_settings(host):
    """Every configuration file Debian 13 ships is its version, as on a fresh Debian 13 host; the
    role's three files differ from it only in the role's settings; no 2.3 file is left active."""
    shipped = host.check_output("cd /usr/share/dovecot && ls dovecot.conf conf.d/*").split()
    compared = 0
    for relative in shipped:
        installed = host.file("/etc/dovecot/" + relative)
        if not installed.exists:
            continue  # Debian 13 ships it as an example only (conf.d/99-local.conf)
        compared += 1
        debian = host.file("/usr/share/dovecot/" + relative).content_string.splitlines()
        differing = [line[2:] for line in difflib.ndiff(debian, installed.content_string.splitlines()) if line[:2] in ("+ ", "- ")]
        if relative in ROLE_FILES:
            assert differing and all(ROLE_SETTINGS.match(line) for line in differing), (relative, differing)
        else:
            assert differing == [], relative
    assert compared >= 20
    assert host.run("find /etc/dovecot -name '*.ucf-dist'").stdout == ""
    # What the upgrade kept is still there for the admin, as ucf names it.
    assert host.file("/etc/dovecot/dovecot.conf.ucf-old").contains("!include conf.d/")


def test_doveconf_accepts_the_configuration_without_warnings(host):
    result = host.run("doveconf -n")
    assert result.rc == 0 and result.stderr == "", result.stderr
    assert "mail_driver = maildir" in result.stdout and "mail_path = ~/Maildir" in result.stdout
    for old in ("mail_location", "disable_plaintext_auth", "ssl_cert ", "ssl_key ", "ssl_dh"):
        assert old not in result.stdout


def test_postfix_and_bind_accept_their_configuration(host):
    assert host.run("postfix check").rc == 0
    assert host.run("named-checkconf -z").rc == 0


@pytest.mark.parametrize("service", ["dovecot", "postfix", "named", "opendkim", "opendmarc"])
def test_services_run(host, service):
    assert host.service(service).is_running


@pytest.mark.usefixtures("mail_client")
def test_mail_clients_find_what_they_remembered(host, lab, before_upgrade):
    """Each user logs in with the old password; IMAP shows the same UIDVALIDITY and the same UID
    for each message, POP3 the same UIDLs: a mail client downloads nothing again."""
    for user in lab["lab_users"]:
        before = before_upgrade["mailboxes"][user["name"]]
        now = probe(host, "uids", "--port", 143, "--user", user["name"], password=user["password"])
        assert now["uidvalidity"] == before["uidvalidity"], user["name"]
        kept = [message for message in now["messages"] if message["subject"].startswith("Before the upgrade")]
        assert [(m["uid"], m["subject"]) for m in kept] == [(m["uid"], m["subject"]) for m in before["messages"]]
        assert len(kept) == 3
        assert set(before["uidls"]) <= set(now["uidls"]), user["name"]


@pytest.mark.usefixtures("mail_client")
def test_old_mail_is_readable_over_imaps_and_pop3s(host, lab):
    user = lab["lab_users"][0]
    subject = "Before the upgrade 2 for %s" % user["name"]
    imap = probe(host, "imap", "--port", 993, "--ssl", "--user", user["name"], "--subject", subject, password=user["password"])
    pop3 = probe(host, "pop3", "--port", 995, "--ssl", "--user", user["name"], "--subject", subject, password=user["password"])
    assert [message["subject"] for message in imap["messages"]] == [subject]
    assert [message["subject"] for message in pop3["messages"]] == [subject]


@pytest.mark.usefixtures("mail_client")
def test_new_mail_gets_the_next_uid(host, lab, before_upgrade):
    """Mail delivered after the upgrade continues the INBOX: same UIDVALIDITY, the next UID."""
    user = lab["lab_users"][-1]
    subject = unique_subject("after-upgrade")
    sent = probe(host, "send", "--port", 25, "--to", "%s@%s" % (user["name"], lab["lab_domain"]), "--subject", subject)
    assert sent["ok"], sent

    def arrived():
        now = probe(host, "uids", "--port", 143, "--user", user["name"], password=user["password"])
        return now if any(message["subject"] == subject for message in now["messages"]) else None

    now = wait_for(arrived, what="delivery of %s" % subject)
    before = before_upgrade["mailboxes"][user["name"]]
    assert now["uidvalidity"] == before["uidvalidity"]
    new = [message["uid"] for message in now["messages"] if message["subject"] == subject]
    assert new == [max(message["uid"] for message in before["messages"]) + 1]


def test_zone_serials_did_not_move(host, before_upgrade):
    """The records did not change, so neither did the serials (secondaries transfer nothing)."""
    for zone, serial in before_upgrade["serials"].items():
        answer = host.check_output("dig +short SOA %s @127.0.0.1", zone).split()
        assert int(answer[2]) == serial, zone
