# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the ACME certificate's decisions (module_utils/_acme.py): certbot is asked only when
its lineage is missing or not the one wanted, a lineage is what the services read, and a placeholder
is made only where nothing is installed yet. A lineage on disk is faked in a temporary directory."""

from __future__ import annotations

import os

from ansible_collections.tkj.mailserver.plugins.module_utils import _acme

NAMES = ["mail.smk.test", "webmail.smk.test"]
DIRECTORY = "https://172.30.38.11:14000/dir"


def make_lineage(root, names, server=DIRECTORY):
    """A lineage as certbot leaves it, its certificate a self-signed one for ``names``."""
    cert, key = _acme.placeholder(names)
    live = os.path.join(root, "live", "tkj-mailserver")
    os.makedirs(live)
    os.makedirs(os.path.join(root, "renewal"))
    for name, text in (("cert.pem", cert), ("fullchain.pem", cert), ("privkey.pem", key)):
        with open(os.path.join(live, name), "w", encoding="ascii") as handle:
            handle.write(text)
    with open(os.path.join(root, "renewal", "tkj-mailserver.conf"), "w", encoding="ascii") as handle:
        handle.write("# renew_before_expiry = 30 days\nversion = 2.11.0\n[renewalparams]\nserver = %s\nauthenticator = webroot\n" % server)
    return cert


def test_a_lineage_is_read_with_its_names_and_directory(tmp_path):
    cert = make_lineage(str(tmp_path), NAMES)
    found = _acme.lineage("tkj-mailserver", str(tmp_path))
    assert sorted(found["names"]) == NAMES and found["server"] == DIRECTORY and found["fullchain"] == cert
    assert _acme.lineage("other", str(tmp_path)) is None


def test_certbot_is_asked_only_for_missing_or_other_names_or_another_ca(tmp_path):
    make_lineage(str(tmp_path), NAMES)
    found = _acme.lineage("tkj-mailserver", str(tmp_path))
    assert _acme.plan(found, "installed", list(reversed(NAMES)), DIRECTORY, issue=True) == {"issue": False, "install": "lineage"}
    assert _acme.plan(found, "installed", NAMES[:1], DIRECTORY, issue=True)["issue"]
    assert _acme.plan(found, "installed", NAMES, "https://acme-v02.api.letsencrypt.org/directory", issue=True)["issue"]
    # Not asked to issue (a later play will): what is there is installed, never certbot.
    assert _acme.plan(found, "installed", NAMES[:1], DIRECTORY, issue=False) == {"issue": False, "install": "lineage"}


def test_a_placeholder_only_where_nothing_is_installed():
    assert _acme.plan(None, None, NAMES, DIRECTORY, issue=False) == {"issue": False, "install": "placeholder"}
    assert _acme.plan(None, "a certificate", NAMES, DIRECTORY, issue=False) == {"issue": False, "install": None}
    assert _acme.plan(None, "a placeholder", NAMES, DIRECTORY, issue=True) == {"issue": True, "install": "lineage"}


def test_certbot_is_asked_without_a_question_for_every_name():
    argv = _acme.certbot_argv(NAMES, DIRECTORY, "", "/var/www/tkj-acme", "tkj-mailserver")
    assert argv[:4] == ["certbot", "certonly", "--non-interactive", "--agree-tos"]
    assert "--register-unsafely-without-email" in argv and argv[-4:] == ["--domain", NAMES[0], "--domain", NAMES[1]]
    assert argv[argv.index("--server") + 1] == DIRECTORY and "--force-renewal" in argv
    assert "--email" in _acme.certbot_argv(NAMES, DIRECTORY, "admin@smk.test", "/w", "n")


def test_certbot_s_explanation_is_its_last_lines():
    stderr = "Saving debug log\n\nCertbot failed to authenticate some domains\n  Domain: mail.smk.test\n  Detail: Timeout during connect\n"
    assert _acme.certbot_error(stderr).endswith("Domain: mail.smk.test Detail: Timeout during connect")
