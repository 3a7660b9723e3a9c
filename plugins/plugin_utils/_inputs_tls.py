# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The tls role's settings, checked in one pass on the controller by tkj.mailserver.role_inputs: the
mode and the names, the lab CA's settings, and that your own certificate is given; each refusal with
the message of the bad-input catalogue (docs/bad-input.md). The certificate itself (its key, names and
dates) is judged by the certificate action when it runs."""

from __future__ import annotations

import re

HOST_NAME = re.compile(r"^(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]$")
# Debian's snakeoil pair comes with ssl-cert, which the roles that use a certificate install.
SNAKEOIL_FILES = ("/etc/ssl/certs/ssl-cert-snakeoil.pem", "/etc/ssl/private/ssl-cert-snakeoil.key")


def own_files(*paths):
    """The TLS files of a role that must exist on the host before it runs: those given, less Debian's snakeoil pair."""
    return [path for path in paths if path and path not in SNAKEOIL_FILES]


def missing_message(missing, hostname, prefix):
    """The refusal of a role whose own TLS files (``prefix``_tls_cert_file, _key_file) are not on the host."""
    return ("%s does not exist on %s: put the file there first (the tls role installs them), or leave %s_tls_cert_file/%s_tls_key_file "
            "at their defaults (Debian's snakeoil certificate)." % (", ".join(missing), hostname, prefix, prefix))


def host_queries(_values):
    """The tls role's settings name nothing on the host: it puts the files there itself."""
    return {}


def outputs(values, _host):
    """What the check returns: ``installs``, the files the role will put on the host. The checks of the
    roles that use them, run later in the same run, do not look for those (the check registers its result
    as tls_inputs; see _role_inputs.not_yet_installed)."""
    mode = values["tls_mode"]
    if mode == "snakeoil":
        return {"installs": list(SNAKEOIL_FILES)}
    return {"installs": [values["tls_cert_file"], values["tls_key_file"]] + ([values["tls_ca_file"]] if mode == "lab_ca" else [])}


def acme_errors(values):
    """An ACME CA: its directory over HTTPS, an address or none, and names it can check over HTTP-01 (no
    wildcard, no address)."""
    errors = []
    directory, email = str(values["tls_acme_directory"]), str(values["tls_acme_email"])
    if not directory.startswith("https://") or " " in directory:
        errors.append("tls_acme_directory '%s' must be the ACME CA's directory URL over HTTPS, for example "
                      "https://acme-v02.api.letsencrypt.org/directory (Let's Encrypt)." % directory)
    if email and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email):
        errors.append("tls_acme_email '%s' must be an address such as admin@smk-nida.sch.id, or empty." % email)
    unreachable = [str(name) for name in values["tls_names"] if str(name).startswith("*") or re.match(r"^[0-9.]+$|:", str(name))]
    if unreachable:
        errors.append("tls_mode is acme and tls_names has %s: the CA checks each name over HTTP on port 80 (HTTP-01), which works "
                      "for host names only, no wildcard and no address." % ", ".join(unreachable))
    return errors


def check(values, _host, _hostname):
    """Every check of the role's settings: (errors, warnings)."""
    errors = []
    mode, names = values["tls_mode"], values["tls_names"]
    bad = [name for name in names if not HOST_NAME.match(str(name))]
    if mode not in ("lab_ca", "own", "snakeoil", "acme") or (mode != "snakeoil" and not names) or bad:
        errors.append("tls_mode must be lab_ca, own, snakeoil or acme (it is %s), and tls_names the names clients use for this server, "
                      "for example [mail.nida.com]; these are not host names: %s." % (mode, bad))
    if mode == "acme":
        errors += acme_errors(values)
    if mode == "lab_ca":
        renew, days = int(values["tls_renew_days"]), int(values["tls_days"])
        if (not values["tls_ca_dir"] or renew < 0 or renew >= days
                or any(not HOST_NAME.match(str(domain)) for domain in values["tls_ca_domains"])):
            errors.append("tls_ca_dir must name a directory on the controller (it is '%s'), tls_renew_days (%s) must be at least 0 "
                          "and less than tls_days (%s), or every run would issue the certificate again, and tls_ca_domains must be "
                          "domains such as nida.com." % (values["tls_ca_dir"], values["tls_renew_days"], values["tls_days"]))
    if mode == "own" and not (values["tls_cert_src"] and values["tls_key_src"]):
        errors.append("tls_mode is own: set tls_cert_src and tls_key_src (and tls_chain_src for intermediate certificates) to your "
                      "files on the controller, or on the host with tls_remote_src: true. Or use tls_mode: lab_ca.")
    return errors, []
