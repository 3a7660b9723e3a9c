# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of plugins/module_utils/_dovecot_versions.py: the Dovecot 2.3 -> 2.4 translation of settings
and of lines in a file, without a module around them."""

from __future__ import annotations

import pytest

from ansible_collections.tkj.mailserver.plugins.module_utils._dovecot_versions import (
    ONLY_IN_23,
    RENAMED_IN_24,
    Request,
    edit_file,
    location_settings_24,
    translate_23,
)
from ansible_collections.tkj.mailserver.plugins.module_utils._errors import InputError

V23, V24 = (2, 3), (2, 4)


@pytest.mark.parametrize(
    "name, value, pairs",
    [
        ("disable_plaintext_auth", "yes", [("auth_allow_cleartext", "no")]),
        ("disable_plaintext_auth", "No", [("auth_allow_cleartext", "yes")]),
        ("ssl_prefer_server_ciphers", "no", [("ssl_server_prefer_ciphers", "client")]),
        ("ssl_key", "</etc/ssl/private/k.pem", [("ssl_server_key_file", "/etc/ssl/private/k.pem")]),
        ("ssl_client_cert", "< /etc/c.pem", [("ssl_client_cert_file", "/etc/c.pem")]),
        ("ssl_key_password", "pa%ss", [("ssl_server_key_password", "pa%ss")]),
        ("mail_attachment_hash", "%{sha1}", [("mail_ext_attachment_hash", "%{sha1}")]),
        ("mail_location", "maildir:~/Maildir:LAYOUT=fs", [("mail_driver", "maildir"), ("mail_path", "~/Maildir"), ("mailbox_list_layout", "fs")]),
        ("ssl_ca", "</etc/ca.pem", None),
        ("auth_worker_max_count", "30", None),
        ("verbose_ssl", "yes", None),
    ],
)
def test_translate_23(name, value, pairs):
    """Exact translations, and None for the 2.3 settings that have none."""
    assert translate_23(name, value) == pairs


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("ssl_cert", "-----BEGIN CERTIFICATE-----", "is not '<' followed by a file name"),
        ("ssl_cert", "/etc/ssl/a.pem", "is not '<' followed by a file name"),
        ("disable_plaintext_auth", "maybe", "'maybe' is not yes or no"),
        ("mail_attachment_dir", "/var/att/%Ln", "the Dovecot 2.3 variable '%L'"),
        ("mail_location", "nosuch:~/M", "unknown mail driver 'nosuch'"),
    ],
)
def test_translate_23_refuses_inexact_values(name, value, message):
    """A value with no exact 2.4 form is refused with the reason."""
    with pytest.raises(InputError, match=message):
        translate_23(name, value)


def test_every_renamed_setting_translates():
    """Each renamed setting has a translation (PEM ones given as '<file')."""
    for old, new in RENAMED_IN_24.items():
        assert translate_23(old, "<f" if new.endswith("_file") else "yes")[0][0] == new
        assert old in ONLY_IN_23


def test_location_settings_24_variables():
    """The 2.3 variables of a mail_location become the 2.4 form."""
    assert location_settings_24("mbox:%h/mail:INBOX=/var/mail/%u") == {
        "mail_driver": "mbox", "mail_path": "%{home}/mail", "mail_inbox_path": "/var/mail/%{user}"}


def test_request_translates_on_24_only():
    """On 2.4 2.3 names are translated and recorded; on 2.3 they stay."""
    item = {"settings": {"disable_plaintext_auth": True, "ssl_cert": "</c.pem"}, "absent": [], "mail_location": None}
    request = Request(item, V24, "files[0].")
    assert request.wanted == {"auth_allow_cleartext": "no", "ssl_server_cert_file": "/c.pem"}
    assert request.translated == [("disable_plaintext_auth", "yes", "auth_allow_cleartext", "no"), ("ssl_cert", "</c.pem", "ssl_server_cert_file", "/c.pem")]
    assert Request(item, V23).wanted == {"disable_plaintext_auth": "yes", "ssl_cert": "</c.pem"}
    with pytest.raises(InputError, match=r"^files\[0\]\.settings: 'auth_allow_cleartext' is not a Dovecot 2.3 setting"):
        Request({"settings": {"auth_allow_cleartext": False}}, V23, "files[0].")


def test_request_tls_profile_settings():
    """The dovecot role's TLS profile (Mozilla intermediate): ssl_min_protocol, ssl_cipher_list and
    ssl_curve_list keep their names on 2.4; ssl_prefer_server_ciphers = no becomes ssl_server_prefer_ciphers = client."""
    profile = {"ssl_min_protocol": "TLSv1.2", "ssl_cipher_list": "ECDHE-RSA-AES128-GCM-SHA256:DHE-RSA-CHACHA20-POLY1305",
               "ssl_curve_list": "X25519:prime256v1:secp384r1"}
    item = {"settings": dict(profile, ssl_prefer_server_ciphers="no")}
    assert Request(item, V23).wanted == dict(profile, ssl_prefer_server_ciphers="no")
    assert Request(item, V24).wanted == dict(profile, ssl_server_prefer_ciphers="client")


def test_edit_file_comments_out_superseded_and_rewrites_others():
    """A 2.3 line whose successor is set is commented out; another is rewritten; the 2.4 setting is set."""
    text = "disable_plaintext_auth = no\nssl_dh = </dh.pem\n#ssl_cert = <x\n"
    request = Request({"settings": {"auth_allow_cleartext": "no"}}, V24)
    after, changes, translated = edit_file(text, "/f", request, V24)
    assert after == "#disable_plaintext_auth = no\nssl_server_dh_file = /dh.pem\n#ssl_cert = <x\nauth_allow_cleartext = no\n"
    assert [(change["name"], change["before"], change["after"]) for change in changes] == [
        ("disable_plaintext_auth", "no", None), ("ssl_dh", "</dh.pem", None), ("ssl_server_dh_file", None, "/dh.pem"), ("auth_allow_cleartext", None, "no")]
    assert translated == [{"path": "/f", "name": "ssl_dh", "value": "</dh.pem", "to_name": "ssl_server_dh_file", "to_value": "/dh.pem"}]


def test_edit_file_absent_successor_comments_out():
    """Commenting out the 2.4 successor also comments out the 2.3 line."""
    after, _changes, _translated = edit_file("ssl_cert = </a.pem\n", "/f", Request({"absent": ["ssl_server_cert_file"]}, V24), V24)
    assert after == "#ssl_cert = </a.pem\n"


def test_edit_file_untranslatable_line_fails():
    """A 2.3 line with no exact translation fails naming file, line and setting."""
    with pytest.raises(InputError, match=r"^/f line 2: verbose_ssl is a Dovecot 2.3 setting, not a Dovecot 2.4 one: it was removed"):
        edit_file("a = 1\nverbose_ssl = yes\n", "/f", Request({}, V24), V24)


def test_edit_file_23_lines_kept_on_23():
    """On 2.3 nothing is translated."""
    assert edit_file("disable_plaintext_auth = no\n", "/f", Request({}, V23), V23) == ("disable_plaintext_auth = no\n", [], [])
