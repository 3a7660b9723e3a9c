# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the settings checks of the dns, mail_auth, tls and webmail roles (plugin_utils/_inputs_*.py):
each role's lab values pass, each bad value is refused with the catalogue's words, every variable a check
reads is one its role documents, and the role_inputs action has a check for every role."""

from __future__ import annotations

import pathlib
import subprocess

import pytest
import yaml

from ansible_collections.tkj.mailserver.plugins.plugin_utils import _inputs_dns as dns
from ansible_collections.tkj.mailserver.plugins.plugin_utils import _inputs_mail_auth as mail_auth
from ansible_collections.tkj.mailserver.plugins.plugin_utils import _inputs_tls as tls
from ansible_collections.tkj.mailserver.plugins.plugin_utils import _inputs_webmail as webmail
from ansible_collections.tkj.mailserver.plugins.plugin_utils._role_inputs import CHECKS, host_command, host_state, option_specs

ROLES = pathlib.Path(__file__).resolve().parents[4] / "roles"
# A host with nothing missing and a DNS server in /etc/resolv.conf.
NO_HOST = host_state("nameserver 172.30.27.10\n")
ZONE = {"name": "nida.com", "records": [{"name": "@", "type": "MX", "priority": 10, "value": "mail.nida.com."},
                                        {"name": "mail", "type": "A", "value": "26.26.26.26"},
                                        {"name": "@", "type": "TXT", "value": "v=spf1 mx -all"}]}
LAB = {
    "dns": {"dns_zones": [ZONE]},
    "mail_auth": {"mail_auth_domains": ["nida.com"], "mail_auth_dns_zones": ["nida.com"], "mail_auth_selector": "tkj2026"},
    "tls": {"tls_names": ["mail.nida.com", "webmail.nida.com"], "tls_ca_dir": "/srv/lab/.lab-ca"},
    "webmail": {"webmail_names": ["webmail.nida.com"], "webmail_mail_host": "mail.nida.com"},
}
MODULES = {"dns": dns, "mail_auth": mail_auth, "tls": tls, "webmail": webmail}


def values(role, **changes):
    """The role's defaults (meta/argument_specs.yml) with the lab's values and ``changes``."""
    specs = yaml.safe_load((ROLES / role / "meta" / "argument_specs.yml").read_text(encoding="utf-8"))["argument_specs"]["main"]["options"]
    result = {name: option.get("default") for name, option in specs.items()}
    result.update(LAB[role], **changes)
    return result


def errors_of(role, host=None, **changes):
    return MODULES[role].check(values(role, **changes), host or NO_HOST, "mail")[0]


def test_every_role_has_a_check():
    assert sorted(CHECKS) == sorted(path.name for path in ROLES.iterdir() if (path / "tasks" / "validate.yml").exists())


@pytest.mark.parametrize("role", sorted(MODULES))
def test_the_lab_values_pass(role):
    assert MODULES[role].check(values(role), NO_HOST, "mail") == ([], [])


@pytest.mark.parametrize("role", sorted(CHECKS))
def test_every_variable_a_check_reads_is_documented(role):
    source = pathlib.Path(CHECKS[role].__file__).read_text(encoding="utf-8")
    read = set(part.split('"]')[0] for part in source.split('values["')[1:])
    assert read and read <= set(option_specs(str(ROLES / role)))


@pytest.mark.parametrize(("role", "changes", "message"), [
    ("dns", {"dns_zones": [ZONE, ZONE]}, "dns_zones, dns_reverse_zones and dns_secondary_zones must name each zone once"),
    ("dns", {"dns_secondary_zones": [{"name": "nida.com", "primaries": ["192.0.2.53"]}]}, "must name each zone once"),
    ("dns", {"dns_zones": [dict(ZONE, name="nida..com")]}, "these are not: ['nida..com']."),
    ("dns", {"dns_zones": [{"name": "nida.com", "records": [{"name": "mail", "type": "A", "value": "26.26.26.256"}]}]},
     "A records in dns_zones need an IPv4 address such as 26.26.26.26 as value; these are not: ['26.26.26.256']"),
    ("dns", {"dns_recursion_networks": ["any"]}, "dns_recursion_networks contains any: every address there could use this server"),
    ("dns", {"dns_recursion_networks": ["lab"]}, "dns_recursion_networks entries must be networks such as 10.20.0.0/24"),
    ("dns", {"dns_root_server": {"name": "lab"}}, "dns_root_server needs this server's name, with at least two labels"),
    ("dns", {"dns_zones": [dict(ZONE, records=ZONE["records"] * 2)]}, "more than once: give each record once"),
    ("dns", {"dns_zones": [dict(ZONE, records=ZONE["records"] + [{"name": "mail", "type": "CNAME", "value": "x.nida.com."}])]},
     "In the zone nida.com in dns_zones, mail has a CNAME and other records"),
    ("dns", {"dns_published_records": [{"zone": "other.invalid", "name": "@", "type": "TXT", "value": "v=spf1 -all"}]},
     "dns_published_records has records for other.invalid, which is not a zone in dns_zones of this server (nida.com)"),
    ("dns", {"dns_published_records": [{"zone": "nida.com", "name": "@", "type": "TXT", "value": "v=spf1 a -all"}]},
     "In the zone nida.com, @ would have two SPF, DMARC or DKIM TXT records"),
    ("mail_auth", {"mail_auth_selector": "tkj_2026!"}, "mail_auth_selector (tkj_2026!) must be one DNS label"),
    ("mail_auth", {"mail_auth_domains": []}, "mail_auth_domains (in playbooks/site.yml postfix_domain and postfix_hosted_domains) must"),
    ("mail_auth", {"mail_auth_grace_days": -1}, "mail_auth_grace_days (-1) must be a whole number of days"),
    ("mail_auth", {"mail_auth_domains": ["nida.com", "smk-nida.invalid"]},
     "No DNS server in the inventory has a zone for smk-nida.invalid, so its MX, DKIM key"),
    ("tls", {"tls_names": ["mail nida com"]}, "these are not host names: ['mail nida com']"),
    ("tls", {"tls_renew_days": 400}, "tls_renew_days (400) must be at least 0 and less than tls_days (366)"),
    ("tls", {"tls_mode": "own"}, "tls_mode is own: set tls_cert_src and tls_key_src"),
    ("tls", {"tls_mode": "acme", "tls_acme_directory": "http://acme.invalid/dir"}, "must be the ACME CA's directory URL over HTTPS"),
    ("tls", {"tls_mode": "acme", "tls_acme_email": "admin"}, "tls_acme_email 'admin' must be an address"),
    ("tls", {"tls_mode": "acme", "tls_names": ["*.nida.com"]}, "tls_names has *.nida.com: the CA checks each name over HTTP"),
    ("webmail", {"webmail_language": "Indonesian"}, "webmail_language (Indonesian) a Roundcube language such as id_ID or en_US"),
    ("webmail", {"webmail_names": []}, "webmail_names ([]) and webmail_mail_host (mail.nida.com) must be host names"),
])
def test_bad_values_are_refused(role, changes, message):
    errors = errors_of(role, **changes)
    assert any(message in error for error in errors), errors


def test_an_open_resolver_that_is_meant_passes():
    assert errors_of("dns", dns_recursion_networks=["any"], dns_allow_open_resolver=True) == []


def test_no_dns_zones_handed_over_means_no_zone_check():
    assert errors_of("mail_auth", mail_auth_dns_zones=None, mail_auth_domains=["smk-nida.invalid"]) == []


def test_webmail_reads_the_language_the_address_and_its_own_tls_files():
    settings = values("webmail", webmail_language="xx_XX", webmail_tls_cert_file="/etc/ssl/certs/own.pem")
    queries = webmail.host_queries(settings)
    assert queries == {"files": [webmail.LOCALIZATION_DIR, webmail.LOCALIZATION_DIR + "/xx_XX", "/etc/ssl/certs/own.pem"],
                       "resolve": ["mail.nida.com"]}
    host = dict(NO_HOST, missing=[webmail.LOCALIZATION_DIR + "/xx_XX", "/etc/ssl/certs/own.pem"], unresolved=["mail.nida.com"])
    errors = webmail.check(settings, host, "mail")[0]
    assert errors[0].startswith("webmail_language xx_XX is not one of Roundcube's languages on mail")
    assert errors[1].startswith("mail.nida.com does not resolve on mail: Roundcube could not reach IMAP and submission there")
    assert errors[2].startswith("/etc/ssl/certs/own.pem does not exist on mail: put the file there first")
    # Before Roundcube is installed its translations are not there to look at.
    assert webmail.check(settings, dict(NO_HOST, missing=[webmail.LOCALIZATION_DIR, webmail.LOCALIZATION_DIR + "/xx_XX"]), "mail") == ([], [])


def test_a_host_without_dns_server_is_refused_unless_mail_auth_nameservers():
    """OpenDKIM needs a DNS server: the host's (read only when mail_auth_nameservers is empty) or the listed ones."""
    assert mail_auth.host_queries(values("mail_auth")) == {"nameservers": True}
    assert mail_auth.outputs(values("mail_auth"), NO_HOST) == {"nameservers": ["172.30.27.10"]}
    assert mail_auth.host_queries(values("mail_auth", mail_auth_nameservers=["172.30.27.10"])) == {}
    assert mail_auth.outputs(values("mail_auth", mail_auth_nameservers=["172.30.27.10"]), NO_HOST) == {}
    message = "/etc/resolv.conf names no nameserver, so OpenDKIM, OpenDMARC and Postfix could not look up"
    assert [error for error in errors_of("mail_auth", host=host_state("")) if error.startswith(message)]
    assert errors_of("mail_auth", host=host_state(""), mail_auth_nameservers=["172.30.27.10"]) == []


def test_the_host_command_reads_the_dns_servers_of_resolv_conf():
    """In a real shell, the nameservers item answers with this machine's /etc/resolv.conf servers."""
    with open("/etc/resolv.conf", encoding="utf-8") as stream:
        expected = [line.split()[1] for line in stream if line.split()[:1] == ["nameserver"] and len(line.split()) > 1]
    answer = subprocess.run(host_command({"nameservers": True}), shell=True, capture_output=True, text=True, check=True)
    assert host_state(answer.stdout)["nameservers"] == expected


def test_the_tls_check_returns_the_files_the_role_installs():
    """The checks of Postfix, Dovecot and the webmail, run before the tls role in site.yml, leave these out."""
    assert tls.outputs(values("tls"), NO_HOST) == {"installs": ["/etc/ssl/certs/tkj-mailserver.pem", "/etc/ssl/private/tkj-mailserver.key",
                                                                "/usr/local/share/ca-certificates/tkj-lab-ca.crt"]}
    own = values("tls", tls_mode="own", tls_cert_file="/etc/ssl/certs/own.pem", tls_key_file="/etc/ssl/private/own.key")
    assert tls.outputs(own, NO_HOST) == {"installs": ["/etc/ssl/certs/own.pem", "/etc/ssl/private/own.key"]}
    assert tls.outputs(values("tls", tls_mode="snakeoil"), NO_HOST) == {"installs": list(tls.SNAKEOIL_FILES)}


def test_an_acme_certificate_passes_and_installs_the_role_s_files():
    acme = values("tls", tls_mode="acme", tls_acme_email="admin@nida.com")
    assert tls.check(acme, NO_HOST, "mail") == ([], [])
    assert tls.outputs(acme, NO_HOST) == {"installs": ["/etc/ssl/certs/tkj-mailserver.pem", "/etc/ssl/private/tkj-mailserver.key"]}
