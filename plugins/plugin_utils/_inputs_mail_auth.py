# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The mail_auth role's settings, checked in one pass on the controller by tkj.mailserver.role_inputs:
the signing domains, the DKIM selector, the grace period of old keys, that a DNS server of the
inventory has each signing domain's zone (where its records are published), and that the host has a
DNS server for the milters' lookups; each refusal with the message of the bad-input catalogue
(docs/bad-input.md)."""

from __future__ import annotations

import re

SELECTOR = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9]$")


def host_queries(values):
    """Without mail_auth_nameservers, the host's own DNS servers (/etc/resolv.conf), which OpenDKIM asks."""
    return {} if values["mail_auth_nameservers"] else {"nameservers": True}


def outputs(values, host):
    """What the check returns for the role's tasks: the DNS servers the milters ask (mail_auth_resolvers)."""
    return {} if values["mail_auth_nameservers"] else {"nameservers": host["nameservers"]}


def domains_lower(values):
    """The signing domains as the role's templates take them (vars/main.yml, mail_auth_domains_lower)."""
    return list(dict.fromkeys(domain.lower().rstrip(".") for domain in values["mail_auth_domains"]))


def check(values, host, _hostname):
    """Every check of the role's settings: (errors, warnings)."""
    errors = []
    if not values["mail_auth_nameservers"] and not host["nameservers"]:
        errors.append("/etc/resolv.conf names no nameserver, so OpenDKIM, OpenDMARC and Postfix could not look up MX, SPF, DMARC "
                      "and DKIM records: give the host a DNS server, or list them in mail_auth_nameservers.")
    domains = domains_lower(values)
    bad = [domain for domain in domains if not DOMAIN.match(domain)]
    if not domains or bad:
        errors.append("mail_auth_domains (in playbooks/site.yml postfix_domain and postfix_hosted_domains) must list the domains "
                      "this server sends for, fully qualified such as nida.com or smk-nida.sch.id (letters, digits and hyphens, "
                      "dot-separated); these are not: %s." % bad)
    if not SELECTOR.match(str(values["mail_auth_selector"])):
        errors.append("mail_auth_selector (%s) must be one DNS label: lower case letters, digits and hyphens, at most 63, not "
                      "starting or ending with a hyphen, for example tkj2026." % values["mail_auth_selector"])
    if not re.match(r"^[0-9]+$", str(values["mail_auth_grace_days"])):
        errors.append("mail_auth_grace_days (%s) must be a whole number of days, 0 or more." % values["mail_auth_grace_days"])
    zones = values["mail_auth_dns_zones"]
    if zones is not None and values["mail_auth_publish"] == "inventory":
        served = {zone.lower().rstrip(".") for zone in zones}
        unserved = [domain for domain in domains if domain not in served]
        if unserved:
            errors.append("No DNS server in the inventory has a zone for %s, so its MX, DKIM key, SPF and DMARC records cannot be "
                          "published and receivers would reject its signed mail: give a DNS server a zone of that name, with an MX "
                          "to this server (dns_zones; in the lab inventory lab_hosted_domains), or remove the domain from "
                          "mail_auth_domains (in playbooks/site.yml postfix_domain and postfix_hosted_domains). If its DNS is at "
                          "the registrar, set mail_auth_publish: external: each run then prints the records to create there."
                          % ", ".join(unserved))
    return errors, []
