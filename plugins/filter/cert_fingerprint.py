# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The cert_fingerprint filter: a certificate's SHA-256 fingerprint, as the certificate action computes it."""

from __future__ import annotations

DOCUMENTATION = r"""
name: cert_fingerprint
short_description: The SHA-256 fingerprint of a PEM certificate, as browsers and Thunderbird show it
version_added: 0.14.0
author:
  - tkj.mailserver developers (@tkj-lab)
description:
  - Returns the SHA-256 fingerprint of the first certificate in a PEM text, in the form C(AA:BB:...) that a browser or
    Thunderbird shows when it asks whether to trust a certificate, so that a student can compare the lab CA they
    imported with the one on their sheet.
  - Uses the Python library cryptography on the controller, which ansible-core depends on.
options:
  _input:
    description: The PEM text of the certificate, for example C(lookup('ansible.builtin.file', tls_ca_dir ~ '/lab-ca.crt')).
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Show the lab CA's fingerprint
  ansible.builtin.debug:
    msg: "{{ lookup('ansible.builtin.file', inventory_dir ~ '/.lab-ca/lab-ca.crt') | tkj.mailserver.cert_fingerprint }}"
"""

RETURN = r"""
_value:
  description: The fingerprint, pairs of upper-case hexadecimal digits separated by colons.
  type: str
  sample: "3A:7F:...:C2"
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.tkj.mailserver.plugins.plugin_utils import _certificates as certs


def cert_fingerprint(pem_text):
    """The SHA-256 fingerprint of the first certificate in ``pem_text``."""
    if certs.CRYPTOGRAPHY_ERROR is not None:
        raise AnsibleFilterError("cert_fingerprint needs the Python library cryptography on the controller: %s" % certs.CRYPTOGRAPHY_ERROR)
    try:
        return certs.fingerprint(certs.load_certs(str(pem_text), "cert_fingerprint's input")[0])
    except certs.CertificateError as error:
        raise AnsibleFilterError("cert_fingerprint: %s" % error) from None


class FilterModule:
    """The tkj.mailserver filters defined in this file."""

    def filters(self):
        return {"cert_fingerprint": cert_fingerprint}
