# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the tls_profile filter."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.tkj.mailserver.plugins.filter.tls_profile import tls_profile


def test_intermediate_has_only_aead_suites_with_forward_secrecy():
    """Every TLS 1.2 suite of the intermediate profile is (EC)DHE with GCM or ChaCha20: no CBC, ARIA or Camellia,
    no RSA key exchange; the curves leave out X448 and secp521r1; certificates live at most 366 days."""
    profile = tls_profile("intermediate")
    assert len(profile["ciphers"]) == 9
    assert all(suite.startswith(("ECDHE-", "DHE-")) and suite.endswith(("GCM-SHA256", "GCM-SHA384", "CHACHA20-POLY1305"))
               for suite in profile["ciphers"])
    assert profile["curves"] == ["X25519", "prime256v1", "secp384r1"]
    assert profile["max_days"] == 366


def test_a_copy_each_time_and_unknown_profiles_refused():
    """Changing a returned list changes no later answer; a profile the filter does not have is an error naming it."""
    tls_profile("intermediate")["ciphers"].clear()
    assert tls_profile("intermediate")["ciphers"]
    with pytest.raises(AnsibleFilterError, match="^tls_profile: the profile must be one of intermediate, got 'modern'"):
        tls_profile("modern")
