# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The webmail role's settings, checked in one pass on the controller by tkj.mailserver.role_inputs:
the names, the language and the upload size; and, read on the host in the same task, that Roundcube
speaks the language (once it is installed), that the mail host resolves there, and that your own TLS
files exist; each refusal with the message of the bad-input catalogue (docs/bad-input.md)."""

from __future__ import annotations

import re

from ansible_collections.tkj.mailserver.plugins.plugin_utils._inputs_tls import missing_message, own_files

HOST_NAME = re.compile(r"^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(_[A-Z]{2})?$")
# Roundcube's translations, one directory per language (Debian's roundcube-core).
LOCALIZATION_DIR = "/usr/share/roundcube/program/localization"


def connect_to(values):
    """Where Roundcube connects, as the role's templates take it (vars/main.yml, webmail_connect_to)."""
    return values["webmail_mail_address"] or values["webmail_mail_host"]


def tls_paths(values):
    """The TLS files that must exist on the host."""
    return own_files(values["webmail_tls_cert_file"], values["webmail_tls_key_file"])


def language_dirs(values):
    """Roundcube's translations and the language's among them."""
    return [LOCALIZATION_DIR, "%s/%s" % (LOCALIZATION_DIR, values["webmail_language"])]


def host_queries(values):
    """What to read on the host: the translations, the mail host's address and the TLS files."""
    return {"files": language_dirs(values) + tls_paths(values), "resolve": [connect_to(values)]}


def check(values, host, hostname):
    """Every check of the role's settings: (errors, warnings). ``host`` is what host_queries() read."""
    errors = []
    names, language = values["webmail_names"], str(values["webmail_language"])
    if (not names or any(not HOST_NAME.match(str(name)) for name in names) or not HOST_NAME.match(str(values["webmail_mail_host"]))
            or not LANGUAGE.match(language) or int(values["webmail_upload_max_mb"]) <= 0):
        errors.append("webmail_names (%s) and webmail_mail_host (%s) must be host names such as webmail.nida.com and mail.nida.com, "
                      "webmail_language (%s) a Roundcube language such as id_ID or en_US, and webmail_upload_max_mb (%s) a number "
                      "of megabytes above 0." % (names, values["webmail_mail_host"], language, values["webmail_upload_max_mb"]))
    base, wanted = language_dirs(values)
    # Before Roundcube is installed its translations are not there to look at.
    if base not in host["missing"] and wanted in host["missing"]:
        errors.append("webmail_language %s is not one of Roundcube's languages on %s (ls %s): use one of those names, for example "
                      "id_ID or en_US." % (language, hostname, LOCALIZATION_DIR))
    if connect_to(values) in host["unresolved"]:
        errors.append("%s does not resolve on %s: Roundcube could not reach IMAP and submission there. Give webmail_mail_host a name "
                      "this host resolves (through the lab DNS), or set webmail_mail_address to the mail server's address (127.0.0.1 "
                      "when the webmail is on the mail server)." % (connect_to(values), hostname))
    missing = [path for path in tls_paths(values) if path in host["missing"]]
    if missing:
        errors.append(missing_message(missing, hostname, "webmail"))
    return errors, []
