# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the cert_fingerprint filter: the fingerprint a student compares on their sheet is openssl's."""

from __future__ import annotations

import subprocess

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.tkj.mailserver.plugins.filter.cert_fingerprint import cert_fingerprint
from ansible_collections.tkj.mailserver.plugins.plugin_utils import _certificates as certs


def test_the_fingerprint_is_openssls():
    _key, cert = certs.make_ca("tkj test CA", ["siswa01.lab"], 30)
    pem = certs.cert_pem(cert)
    openssl = subprocess.run(["openssl", "x509", "-noout", "-fingerprint", "-sha256"], input=pem, capture_output=True, text=True, check=True)
    assert cert_fingerprint(pem) == openssl.stdout.strip().split("=", 1)[1]


def test_text_without_a_certificate_is_refused():
    with pytest.raises(AnsibleFilterError, match="cert_fingerprint: cert_fingerprint's input holds no PEM certificate"):
        cert_fingerprint("not a certificate")
