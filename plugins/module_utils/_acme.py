# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A certificate from an ACME CA through Debian's certbot, for tkj.mailserver.acme_certificate.

certbot does the ACME work (account, HTTP-01 through a web root, renewal by its own systemd timer);
this decides when to ask it, and keeps the certificate the services read at one path of their own
(the tls role's cert_file and key_file) so that their settings never change with the lineage:
- a lineage whose names and directory are those asked for is kept; certbot renews it itself, and its
  deploy hook copies the renewed files to those paths and reloads the services;
- otherwise, when asked to issue, certbot certonly is run for the names (--force-renewal, so that a
  changed directory or set of names gets a new certificate at once);
- before the first certificate (the DNS the CA checks may be served by a later play of the same run),
  a self-signed placeholder for the names lets the services start.

Why certbot: Debian packages it with its renewal timer and hooks, as the issue asks; nothing here
speaks ACME itself."""

from __future__ import annotations

import os
import subprocess
import tempfile

from ansible_collections.tkj.mailserver.plugins.module_utils._files import read_text

LETSENCRYPT = "/etc/letsencrypt"


def lineage_paths(cert_name, root=LETSENCRYPT):
    """certbot's files of the lineage ``cert_name``."""
    live = os.path.join(root, "live", cert_name)
    return {"fullchain": os.path.join(live, "fullchain.pem"), "privkey": os.path.join(live, "privkey.pem"),
            "cert": os.path.join(live, "cert.pem"), "renewal": os.path.join(root, "renewal", cert_name + ".conf")}


def renewal_server(text):
    """The ACME directory a lineage renews from (``server = URL`` in its renewal file)."""
    for line in (text or "").splitlines():
        name, _sep, value = line.partition("=")
        if name.strip() == "server":
            return value.strip()
    return None


def certificate_names(pem):
    """The DNS names of a PEM certificate's subjectAltName, as openssl reads them ([] when there is none).
    openssl, not a Python library: the module must not ask the CA again because a library is missing."""
    result = subprocess.run(["openssl", "x509", "-noout", "-ext", "subjectAltName"], input=pem, capture_output=True, text=True,
                            check=False)
    if result.returncode != 0:
        raise ValueError("openssl cannot read the certificate: %s" % " ".join(result.stderr.split()))
    return [name.strip()[4:] for name in result.stdout.replace("\n", ",").split(",") if name.strip().startswith("DNS:")]


def lineage(cert_name, root=LETSENCRYPT):
    """The lineage as certbot left it: {names, server, fullchain, privkey} (None when there is none)."""
    paths = lineage_paths(cert_name, root)
    fullchain, privkey, cert = read_text(paths["fullchain"]), read_text(paths["privkey"]), read_text(paths["cert"])
    if not (fullchain and privkey and cert):
        return None
    return {"names": certificate_names(cert), "server": renewal_server(read_text(paths["renewal"])),
            "fullchain": fullchain, "privkey": privkey}


def wanted(found, names, directory):
    """Whether the lineage ``found`` is the one asked for: the same names (in any order) from the same directory."""
    return found is not None and sorted(found["names"]) == sorted(names) and found["server"] == directory


def certbot_argv(names, directory, email, webroot, cert_name):
    """certbot certonly for ``names`` through the web root, without a question."""
    argv = ["certbot", "certonly", "--non-interactive", "--agree-tos", "--webroot", "--webroot-path", webroot,
            "--cert-name", cert_name, "--server", directory, "--force-renewal"]
    argv += ["--email", email] if email else ["--register-unsafely-without-email"]
    for name in names:
        argv += ["--domain", name]
    return argv


def placeholder_argv(names, cert_path, key_path):
    """openssl for a self-signed certificate for ``names``, valid 7 days, until the CA's is there."""
    return ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "7", "-subj", "/CN=%s" % names[0],
            "-addext", "subjectAltName=" + ",".join("DNS:" + name for name in names), "-keyout", key_path, "-out", cert_path]


def placeholder(names):
    """A self-signed (certificate, key) for ``names``, as PEM text."""
    with tempfile.TemporaryDirectory() as directory:
        cert_path, key_path = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
        subprocess.run(placeholder_argv(names, cert_path, key_path), check=True, capture_output=True)
        return read_text(cert_path), read_text(key_path)


def plan(found, installed_cert, names, directory, issue):
    """What to do: {issue: run certbot, install: 'lineage' | 'placeholder' | None}."""
    run_certbot = issue and not wanted(found, names, directory)
    if run_certbot or found is not None:
        source = "lineage"
    else:
        source = None if installed_cert else "placeholder"
    return {"issue": run_certbot, "install": source}


def certbot_error(stderr):
    """certbot's own explanation, its last lines, for the failure message."""
    lines = [line.strip() for line in (stderr or "").splitlines() if line.strip()]
    return " ".join(lines[-6:])
