# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the postfix role's settings check (plugin_utils/_inputs_postfix.py) and of what
tkj.mailserver.role_inputs shares between roles (plugin_utils/_role_inputs.py): every problem is
found in one pass, with the catalogue's words, and the host is asked only what the settings name."""

from __future__ import annotations

import pathlib
import subprocess

import pytest
import yaml

from ansible_collections.tkj.mailserver.plugins.plugin_utils import _inputs_postfix as postfix
from ansible_collections.tkj.mailserver.plugins.plugin_utils._role_inputs import host_command, host_state, not_yet_installed

ROLE = pathlib.Path(__file__).resolve().parents[4] / "roles" / "postfix"
ZONE = {"name": "nida.com", "records": [{"name": "@", "type": "MX", "priority": 10, "value": "mail.nida.com."},
                                        {"name": "mail", "type": "A", "value": "192.168.10.5"}]}
NO_HOST = {"accounts": [], "missing": []}


def values(**changes):
    """The role's defaults (meta/argument_specs.yml), as a lab host gets them, with ``changes``."""
    specs = yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text(encoding="utf-8"))["argument_specs"]["main"]["options"]
    result = {name: option.get("default") for name, option in specs.items()}
    # Defaults computed from others (defaults/main.yml), as the role's defaults give them for a 5 MB mailbox.
    result.update(postfix_domain="nida.com", postfix_hostname="mail.nida.com", postfix_local_users=["nida", "budi"],
                  postfix_dns_zones=[ZONE], postfix_root_recipient="nida", postfix_message_size_limit=5242880 - 51200)
    result.update(changes)
    return result


def errors_of(host=None, **changes):
    return postfix.check(values(**changes), host or NO_HOST, "mail")[0]


def test_the_lab_defaults_pass():
    assert postfix.check(values(), NO_HOST, "mail") == ([], [])


@pytest.mark.parametrize(("networks", "shown"), [
    (["0.0.0.0/0"], "0.0.0.0/0"), (["0.0.0.0/1", "128.0.0.0/1"], "0.0.0.0/1, 128.0.0.0/1"), (["0.0.0.0/00"], "0.0.0.0/00")])
def test_every_spelling_of_the_internet_is_an_open_relay(networks, shown):
    assert any(error.startswith("postfix_mynetworks contains %s: addresses on the internet could send mail" % shown)
               for error in errors_of(postfix_mynetworks=networks))


def test_an_acknowledged_open_relay_passes_with_a_loud_warning():
    errors, warnings = postfix.check(values(postfix_mynetworks=["0.0.0.0/0"], postfix_allow_open_relay=True), NO_HOST, "mail")
    assert errors == [] and "OPEN RELAY" in warnings[0] and "0.0.0.0/0" in warnings[0]


def test_guarded_settings_and_bad_networks_are_refused_together():
    errors = errors_of(postfix_mynetworks=["lab-network"], postfix_extra_settings={"smtpd_relay_restrictions": "permit"})
    assert "these are not: ['lab-network']" in errors[0]
    assert errors[1].startswith("postfix_extra_settings sets smtpd_relay_restrictions, which hold the relay and login rules")


def test_names_limits_and_tls_domains():
    errors = " ".join(errors_of(postfix_domain="nida", postfix_hosted_domains=["smk nida"], postfix_auth_rate_limit=-1,
                                postfix_mailbox_size_limit=1048576, postfix_message_size_limit=2097152,
                                postfix_tls_verify_domains=["beta.invalid"], postfix_tls_ca_file=""))
    for part in ("postfix_domain 'nida' and postfix_hostname 'mail.nida.com' must be fully qualified",
                 "postfix_hosted_domains (smk nida) must be fully qualified domains", "postfix_auth_rate_limit (-1) must be 0",
                 "postfix_message_size_limit (2097152) is larger than postfix_mailbox_size_limit (1048576)",
                 "they need postfix_tls_ca_file"):
        assert part in errors


def test_a_negative_mailbox_limit_is_named_alone():
    assert errors_of(postfix_mailbox_size_limit=-1) == [
        "postfix_mailbox_size_limit (-1) must be 0 (no limit) or a size in bytes, and postfix_message_size_limit (5191680) "
        "a size in bytes greater than 0."]


def test_alias_targets_are_looked_up_on_the_host_and_missing_ones_named():
    settings = values(postfix_aliases=[{"name": "guru", "to": ["pak-guru"]}])
    assert postfix.host_queries(settings)["accounts"] == ["pak-guru"]
    assert postfix.check(settings, {"accounts": ["pak-guru:x:1003:1003::/home/pak-guru:/bin/bash"], "missing": []}, "mail")[0] == []
    error = postfix.check(settings, NO_HOST, "mail")[0][0]
    assert error.startswith("postfix_aliases or postfix_root_recipient send mail to pak-guru, which is no mail user (dovecot_users), "
                            "no alias and no account on mail")


def test_own_tls_files_are_looked_for_unless_the_tls_role_installs_them():
    settings = values(postfix_tls_cert_file="/etc/ssl/certs/own.pem", postfix_tls_key_file="/etc/ssl/private/own.key")
    files = postfix.host_queries(settings)["files"]
    assert files == ["/etc/ssl/certs/own.pem", "/etc/ssl/private/own.key"]
    assert postfix.host_queries(values())["files"] == []
    # The tls role's check, earlier in the run, registered what it installs (tls_inputs): those are not looked for.
    assert not_yet_installed(files, {"tls_inputs": {"installs": ["/etc/ssl/certs/own.pem"]}}) == ["/etc/ssl/private/own.key"]
    assert not_yet_installed(files, {}) == files
    error = errors_of({"accounts": [], "missing": ["/etc/ssl/certs/own.pem"]})[0]
    assert error.startswith("/etc/ssl/certs/own.pem does not exist on mail: put the file there first")


def test_dns_and_mail_must_agree():
    other = {"name": "nida.com", "records": [{"name": "@", "type": "MX", "priority": 10, "value": "smtp.nida.com."}]}
    errors = errors_of(postfix_dns_zones=[other], postfix_hosted_domains=["smk-nida.invalid"], postfix_destinations=["localhost"])
    # A domain no DNS server serves (smk-nida.invalid) is the mail_auth role's to refuse or to print.
    assert errors[0].startswith("The MX of nida.com in dns_zones points to smtp.nida.com, but postfix_hostname is mail.nida.com")
    assert errors[1] == "The MX target mail.nida.com has no A record in the zone nida.com: add one (mail IN A <address>)."
    assert errors[2].startswith("postfix_destinations (localhost) contains neither nida.com nor $mydomain")
    assert len(errors) == 3
    assert errors_of(postfix_dns_zones=[]) == []


def test_root_mail_needs_a_user_when_dovecot_delivers():
    assert "Dovecot does not deliver to root" in errors_of(postfix_dovecot_lmtp=True, postfix_root_recipient="")[0]


def test_the_host_is_read_in_one_command_that_answers_per_item(tmp_path):
    """The command runs in a real shell: an account that exists (root) and one that does not, a file
    that exists and one that does not."""
    present = tmp_path / "there.pem"
    present.write_text("x")
    command = host_command({"accounts": ["root", "tkj-no-such-user"], "files": [str(present), str(tmp_path / "gone.pem")]})
    answer = subprocess.run(command, shell=True, capture_output=True, text=True, check=True)
    state = host_state(answer.stdout)
    assert [line.split(":")[0] for line in state["accounts"]] == ["root"]
    assert state["missing"] == [str(tmp_path / "gone.pem")] and state["unresolved"] == []
    assert host_command({"accounts": [], "files": []}) is None


RELAY = {"postfix_relayhost": "smtp.relay.test", "postfix_relayhost_user": "sekolah", "postfix_relayhost_password": "s3cret pass",
         "postfix_lab_isolation": False}


def test_a_relay_host_with_a_login_passes_and_its_default_cas_are_not_looked_for():
    assert errors_of(**RELAY) == []
    assert postfix.tls_paths(values(**RELAY)) == []
    assert postfix.tls_paths(values(**RELAY, postfix_relayhost_ca_file="/etc/ssl/relay-ca.pem")) == ["/etc/ssl/relay-ca.pem"]
    without_login = dict(RELAY)
    without_login.update(postfix_relayhost_user="", postfix_relayhost_password="")
    assert errors_of(**without_login) == []


@pytest.mark.parametrize(("changes", "named"), [
    ({"postfix_relayhost": "[smtp.relay.test]:587"}, "no brackets, no port"),
    ({"postfix_relayhost": "192.0.2.25"}, "and no address, since its certificate is verified for its name"),
    ({"postfix_relayhost_user": "sekolah:x"}, "or a colon"),
    ({"postfix_relayhost_password": "s3cret "}, "white space at its end"),
    ({"postfix_tls_verify_domains": ["beta.test"], "postfix_tls_ca_file": "/ca.pem"}, "never reached directly"),
    ({"postfix_relayhost_port": 0}, "postfix_relayhost_port (0)"),
    ({"postfix_relayhost_password": ""}, "go together"),
    ({"postfix_relayhost": "", "postfix_relayhost_user": "sekolah"}, "go together"),
    ({"postfix_relayhost_user": "sekolah x"}, "white space"),
    ({"postfix_relayhost_password": "a\nb"}, "line break"),
    ({"postfix_lab_isolation": True}, "keeps mail inside the lab"),
])
def test_a_wrong_relay_host_is_refused_by_name_and_never_shows_the_password(changes, named):
    errors = errors_of(**dict(RELAY, **changes))
    assert len(errors) == 1 and named in errors[0]
    assert "s3cret" not in errors[0]
