# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The tls_profile filter: Mozilla's TLS profile settings, one source for Postfix, Dovecot and nginx."""

from __future__ import annotations

DOCUMENTATION = r"""
name: tls_profile
short_description: The cipher suites and curves of one of Mozilla's server-side TLS profiles
version_added: 0.12.0
author:
  - tkj.mailserver developers (@tkj-lab)
description:
  - Returns the TLS 1.2 cipher suites (OpenSSL names, in the profile's order) and the curves of a profile of Mozilla's
    server-side TLS guidelines, version 5.7 (U(https://ssl-config.mozilla.org/guidelines/5.7.json)), so that the
    postfix, dovecot and webmail roles write the same lists from one place.
  - TLS 1.3 suites are not listed, as OpenSSL's defaults are the profile's.
options:
  _input:
    description: The profile.
    type: str
    choices: [intermediate]
    required: true
"""

EXAMPLES = r"""
- name: The intermediate profile's ciphers, as Dovecot's ssl_cipher_list
  ansible.builtin.debug:
    msg: "{{ ('intermediate' | tkj.mailserver.tls_profile).ciphers | join(':') }}"
"""

RETURN = r"""
_value:
  description: C(ciphers), the TLS 1.2 cipher suites, C(curves), the key exchange groups, and C(max_days), the longest
    certificate validity the profile allows.
  type: dict
  sample: {ciphers: [ECDHE-ECDSA-AES128-GCM-SHA256], curves: [X25519, prime256v1, secp384r1], max_days: 366}
"""

from ansible.errors import AnsibleFilterError

PROFILES = {
    "intermediate": {
        "ciphers": [
            "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
            "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
            "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
            "DHE-RSA-AES128-GCM-SHA256", "DHE-RSA-AES256-GCM-SHA384", "DHE-RSA-CHACHA20-POLY1305",
        ],
        "curves": ["X25519", "prime256v1", "secp384r1"],
        "max_days": 366,
    },
}


def tls_profile(name):
    """The settings of Mozilla's profile ``name`` (a copy: callers may change it)."""
    if name not in PROFILES:
        raise AnsibleFilterError("tls_profile: the profile must be one of %s, got %r" % (", ".join(PROFILES), name))
    return {key: list(value) if isinstance(value, list) else value for key, value in PROFILES[name].items()}


class FilterModule:
    """The tkj.mailserver filters defined in this file."""

    def filters(self):
        return {"tls_profile": tls_profile}
