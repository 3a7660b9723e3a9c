# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The postfix role's settings, checked in one pass on the controller by tkj.mailserver.role_inputs:
the relay rules, the names, the aliases, the limits, TLS, and that DNS and mail agree; each refusal
with the message of the bad-input catalogue (docs/bad-input.md). What the settings name on the host
(the alias targets that must be accounts there, your own TLS files) is read in the same task.

The aliases are read by the same function as the role's templates (the mail_aliases filter), the
networks by the network_check filter's, the zones by the mx_targets and address_names filters'."""

from __future__ import annotations

import re

from ansible_collections.tkj.mailserver.plugins.filter.dns import address_names, mx_targets
from ansible_collections.tkj.mailserver.plugins.filter.mail_aliases import mail_aliases
from ansible_collections.tkj.mailserver.plugins.module_utils._networks import check_networks
from ansible_collections.tkj.mailserver.plugins.plugin_utils._inputs_tls import missing_message, own_files

# A fully qualified name: dot-separated labels of letters, digits and hyphens.
FQDN = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]$")
# main.cf parameters that hold the relay and login rules (and those the submission service overrides):
# postfix_extra_settings sets them only with postfix_allow_open_relay.
GUARDED_SETTINGS = ("mynetworks", "mynetworks_style", "relay_domains", "smtpd_relay_restrictions", "smtpd_recipient_restrictions",
                    "smtpd_client_restrictions", "smtpd_sender_restrictions", "smtpd_sender_login_maps", "smtpd_tls_auth_only",
                    "smtpd_sasl_auth_enable", "smtpd_tls_security_level")
# Debian's trusted CAs in one file (the ca-certificates package), the relay host's default.
DEBIAN_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def mail_domains(values):
    """Every domain the server receives mail for: the mail domain and the hosted ones."""
    return [values["postfix_domain"]] + list(values["postfix_hosted_domains"])


def alias_plan(values):
    """The aliases checked and sorted, as the role's templates get them (vars/main.yml, postfix_alias_plan)."""
    domains = mail_domains(values)
    local_domains = [domain.lower() for domain in domains + [values["postfix_hostname"], "localhost"]]
    lab_domains = values["postfix_lab_domains"] if values["postfix_lab_isolation"] else None
    return mail_aliases(values["postfix_aliases"], domains, local_domains, values["postfix_root_recipient"],
                        values["postfix_local_users"], lab_domains)


def tls_paths(values):
    """The TLS files that must exist on the host: the server's own, and the relay host's CAs unless they are
    Debian's bundle (the role installs ca-certificates, which writes it, with a relay host)."""
    relay_ca = values["postfix_relayhost_ca_file"] if values["postfix_relayhost"] and values["postfix_relayhost_ca_file"] != DEBIAN_CA_BUNDLE else ""
    return own_files(values["postfix_tls_cert_file"], values["postfix_tls_key_file"], values["postfix_tls_ca_file"], relay_ca)


def host_queries(values):
    """What to read on the host: the alias targets that must be accounts there, and the TLS files."""
    return {"accounts": alias_plan(values)["lookups"], "files": tls_paths(values)}


def relay_refusals(values):
    """The trusted networks and the relay rules: (errors, warnings). The networks are read with ipaddress,
    so every spelling of the internet (0.0.0.0/00, 0.0.0.0/1 with 128.0.0.0/1) is refused."""
    networks = check_networks(values["postfix_mynetworks"], "postfix")
    guarded = [name for name in values["postfix_extra_settings"] if name in GUARDED_SETTINGS]
    allowed = values["postfix_allow_open_relay"]
    errors, opened = [], []
    if networks["invalid"]:
        errors.append("postfix_mynetworks entries must be networks such as 192.168.10.0/24 or [2001:db8::]/64; these are not: %s "
                      "(IPv6 goes in brackets, and no host bits under the prefix)." % networks["invalid"])
    if networks["public"]:
        opened.append("postfix_mynetworks contains %s" % ", ".join(networks["public"]))
        if not allowed:
            errors.append(
                "postfix_mynetworks contains %s: addresses on the internet could send mail through this server (an open relay, "
                "blocklisted within hours); only private, loopback and link-local networks may relay without login. List only "
                "your lab networks (for example 192.168.10.0/24); mail clients elsewhere log in on port 587. If you really want "
                "the tutorial's setting, also set postfix_allow_open_relay: true." % ", ".join(networks["public"]))
    if guarded:
        opened.append("postfix_extra_settings sets %s" % ", ".join(guarded))
        if not allowed:
            errors.append(
                "postfix_extra_settings sets %s, which hold the relay and login rules (who may send through this server): leave "
                "them to the role (postfix_mynetworks), or set postfix_allow_open_relay: true if you really mean to change them."
                % ", ".join(guarded))
    warnings = ["%s and postfix_allow_open_relay is true: this server is an OPEN RELAY. Never connect it to a real network."
                % " and ".join(opened)] if allowed and opened else []
    return errors, warnings


def name_errors(values, plan):
    """The domain, host name and hosted domains, and the aliases (``plan``, from alias_plan())."""
    errors = []
    if not FQDN.match(values["postfix_domain"]) or not FQDN.match(values["postfix_hostname"]):
        errors.append("postfix_domain '%s' and postfix_hostname '%s' must be fully qualified names, for example nida.com and "
                      "mail.nida.com (letters, digits and hyphens, dot-separated)." % (values["postfix_domain"], values["postfix_hostname"]))
    domains = mail_domains(values)
    hosted = values["postfix_hosted_domains"]
    if any(not FQDN.match(domain) for domain in hosted) or len({domain.lower() for domain in domains}) != len(domains):
        errors.append("postfix_hosted_domains (%s) must be fully qualified domains such as smk-nida.sch.id, each once, and not "
                      "postfix_domain (%s), which is always hosted." % (", ".join(hosted), values["postfix_domain"]))
    if plan["errors"]:
        errors.append("postfix_aliases and postfix_root_recipient: %s. A name is a local part (guru: at every domain of this "
                      "server) or an address at one of them (%s); a target is a user, an alias, or an address user@domain."
                      % ("; ".join(plan["errors"]), ", ".join(domains)))
    if values["postfix_dovecot_lmtp"] and not values["postfix_root_recipient"]:
        errors.append("postfix_dovecot_lmtp is on (Dovecot delivers, for its quota), and Dovecot does not deliver to root: set "
                      "postfix_root_recipient to the user who reads root's, postmaster@ and abuse@ mail (for example your own user).")
    return errors


def relayhost_errors(values):
    """The relay host: a name or address, a port, a login that is whole, and not with lab isolation. The
    password is never part of a message."""
    relayhost, user, password = values["postfix_relayhost"], values["postfix_relayhost_user"], values["postfix_relayhost_password"]
    port = int(values["postfix_relayhost_port"])
    errors = []
    if relayhost and not FQDN.match(relayhost):
        errors.append("postfix_relayhost '%s' must be the relay's host name alone, such as smtp.provider.example: no brackets, no "
                      "port (the port is postfix_relayhost_port), and no address, since its certificate is verified for its name."
                      % relayhost)
    if not 0 < port < 65536:
        errors.append("postfix_relayhost_port (%d) must be a port number; providers offer 587 (submission)." % port)
    if bool(user) != bool(password) or (user and not relayhost):
        errors.append("postfix_relayhost_user and postfix_relayhost_password go together, with postfix_relayhost: set all three "
                      "for a relay that wants a login, only postfix_relayhost for one that does not, or none.")
    if any(char.isspace() or char == ":" for char in user) or any(char in "\r\n" for char in password) or password != password.rstrip():
        errors.append("postfix_relayhost_user must not contain white space or a colon, nor postfix_relayhost_password a line break "
                      "or white space at its end (Postfix's password table cannot hold them).")
    if relayhost and values["postfix_tls_verify_domains"]:
        errors.append("postfix_relayhost and postfix_tls_verify_domains are both set: all mail leaves through the relay host, so the "
                      "servers of postfix_tls_verify_domains are never reached directly and never verified. Leave one of them empty.")
    if relayhost and values["postfix_lab_isolation"]:
        errors.append("postfix_relayhost is set and postfix_lab_isolation is on, which keeps mail inside the lab: a relay host is for "
                      "a real site. Turn postfix_lab_isolation off, or leave postfix_relayhost empty.")
    return errors


def limit_errors(values):
    """The AUTH rate limit, the size limits and the domains that get verified TLS."""
    errors = []
    if int(values["postfix_auth_rate_limit"]) < 0:
        errors.append("postfix_auth_rate_limit (%s) must be 0 (no limit) or the AUTH commands one client may send per minute."
                      % values["postfix_auth_rate_limit"])
    mailbox, message = int(values["postfix_mailbox_size_limit"]), int(values["postfix_message_size_limit"])
    if mailbox < 0 or message <= 0:
        errors.append("postfix_mailbox_size_limit (%d) must be 0 (no limit) or a size in bytes, and postfix_message_size_limit (%d) "
                      "a size in bytes greater than 0." % (mailbox, message))
    elif mailbox and message > mailbox:
        errors.append("postfix_message_size_limit (%d) is larger than postfix_mailbox_size_limit (%d): Postfix would accept such "
                      "mail and then fail to deliver it. Lower postfix_message_size_limit or raise postfix_mailbox_size_limit."
                      % (message, mailbox))
    verify = values["postfix_tls_verify_domains"]
    if (verify and not values["postfix_tls_ca_file"]) or any(not FQDN.match(domain) for domain in verify):
        errors.append("postfix_tls_verify_domains (%s) must be domains such as beta.test, and they need postfix_tls_ca_file, the CA "
                      "their servers' certificates come from (the tls role's ca_file); with Debian's snakeoil certificates nothing "
                      "can be verified: leave postfix_tls_verify_domains empty." % ", ".join(verify))
    return errors


def dns_errors(values):
    """DNS and mail agree (when the playbook hands over the DNS servers' zones): each mail domain's zone
    there has its MX to postfix_hostname, that name has an address record in the zone of
    postfix_domain, and Postfix delivers postfix_domain here. A domain none of them serves is the
    mail_auth role's to refuse or to print for the registrar (mail_auth_publish)."""
    zones = {zone["name"].lower(): zone for zone in values["postfix_dns_zones"]}
    if not zones:
        return []
    errors = []
    hostname = values["postfix_hostname"]
    domains = mail_domains(values)
    for domain in domains:
        zone = zones.get(domain.lower())
        if zone is not None and hostname.lower() not in mx_targets(zone):
            targets = ", ".join(mx_targets(zone)) or "nothing"
            errors.append("The MX of %s in dns_zones points to %s, but postfix_hostname is %s: make them the same (for example "
                          "{name: \"@\", type: MX, priority: 10, value: %s.})." % (domain, targets, hostname, hostname))
    zone = zones.get(values["postfix_domain"].lower())
    if zone is not None and hostname.lower() not in address_names(zone):
        errors.append("The MX target %s has no A record in the zone %s: add one (mail IN A <address>)." % (hostname, values["postfix_domain"]))
    destinations = values["postfix_destinations"]
    if values["postfix_domain"] not in destinations and "$mydomain" not in destinations:
        errors.append("postfix_destinations (%s) contains neither %s nor $mydomain: mail for %s would not be delivered here."
                      % (", ".join(destinations), values["postfix_domain"], values["postfix_domain"]))
    return errors


def check(values, host, hostname):
    """Every check of the role's settings: (errors, warnings). ``host`` is what host_queries() read:
    {"accounts": the passwd lines of the alias targets that are accounts, "missing": the files not there}."""
    plan = alias_plan(values)
    errors, warnings = relay_refusals(values)
    errors += name_errors(values, plan)
    accounts = {line.split(":", 1)[0] for line in host["accounts"]}
    missing_users = [name for name in plan["lookups"] if name not in accounts]
    if missing_users:
        errors.append("postfix_aliases or postfix_root_recipient send mail to %s, which is no mail user (dovecot_users), no alias and "
                      "no account on %s: add the user to dovecot_users, or correct the name." % (", ".join(missing_users), hostname))
    errors += limit_errors(values)
    errors += relayhost_errors(values)
    if host["missing"]:
        errors.append(missing_message(host["missing"], hostname, "postfix"))
    errors += dns_errors(values)
    return errors, warnings
