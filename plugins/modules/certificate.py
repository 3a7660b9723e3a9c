#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The documentation of tkj.mailserver.certificate; the work is done by its action plugin
(plugins/action/certificate.py), on the controller."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: certificate
short_description: A TLS certificate clients can verify, from the lab's own CA or your own files
version_added: 0.4.0
author:
  - tkj.mailserver developers (@tkj-lab)
description:
  - Installs this server's TLS private key and certificate on the host, for Postfix, Dovecot and the
    webmail, in one call of M(tkj.mailserver.config_files) (all or none, only what differs).
  - With O(mode=lab_ca), the certificate comes from a small certificate authority kept on the controller
    in O(ca_dir). The CA is made on the first run and reused on every later one. Each server gets its
    own key and a certificate for O(names), issued again only when the names change, when the CA is no
    longer the one that signed it, or when fewer than O(renew_days) days remain. The CA certificate is
    also installed on the host (O(ca_file)), so that the servers of the lab verify each other.
  - With O(mode=own), your certificate, chain and key (O(cert_src), O(chain_src), O(key_src)) are checked
    first, on the controller. The key must be the certificate's and the certificate must be valid now and
    for every one of O(names). If not, the task fails naming the file, and nothing on the host changes.
  - With O(mode=snakeoil), nothing is installed; the result names Debian's snakeoil certificate and a
    warning says that clients cannot verify it.
  - The cryptography is done on the controller with the C(cryptography) library, which ansible-core
    depends on; the host needs no crypto library.
options:
  mode:
    description: Where the certificate comes from.
    type: str
    choices: [lab_ca, own, snakeoil]
    default: lab_ca
  names:
    description:
      - The DNS names clients use for this server (the subjectAltName); the first is also the subject.
      - Required unless O(mode=snakeoil).
    type: list
    elements: str
    default: []
  ca_dir:
    description:
      - Directory on the controller that keeps the lab CA, made when missing. It holds C(lab-ca.crt),
        the file students import, C(private/) (mode 0700, with the CA's and each server's key, mode 0600)
        and C(issued/) (each server's certificate). Keep it out of version control and out of the collection.
      - Inside an inventory directory, give it a name that starts with a dot (as the tls role's default
        C(.lab-ca) does); Ansible reads every other file there as inventory.
      - Required with O(mode=lab_ca).
    type: path
  ca_name:
    description: Common name of a new lab CA.
    type: str
    default: tkj.mailserver lab CA
  ca_domains:
    description:
      - The domains a new lab CA may sign for (an X.509 name constraint). A student who imports the CA then
        trusts it for these domains and the names under them only, never for a bank's website.
      - Empty makes a CA without constraint. An existing CA keeps the domains it was made with.
    type: list
    elements: str
    default: []
  ca_days:
    description: Validity of a new lab CA, in days.
    type: int
    default: 3650
  days:
    description:
      - Validity of a certificate the lab CA issues, in days (never beyond the CA's own). 366 is the longest
        Mozilla's intermediate TLS profile allows.
      - A certificate issued for longer (an older default was 397) is issued again.
    type: int
    default: 366
  renew_days:
    description: The certificate is issued again when fewer days than this remain.
    type: int
    default: 30
  cert_src:
    description:
      - With O(mode=own), your certificate (PEM). A path on the controller, found as M(ansible.builtin.copy)
        finds its src, or on the host with O(remote_src=true).
    type: str
  chain_src:
    description: With O(mode=own), the intermediate certificates (PEM), installed after the certificate in O(cert_file).
    type: str
  key_src:
    description: With O(mode=own), the private key (PEM, without passphrase).
    type: str
  remote_src:
    description: With O(mode=own), O(cert_src), O(chain_src) and O(key_src) are paths on the host.
    type: bool
    default: false
  cert_file:
    description: Where the certificate (with its chain) goes on the host, mode 0644.
    type: path
    default: /etc/ssl/certs/tkj-mailserver.pem
  key_file:
    description: Where the private key goes on the host, owner root, mode 0600.
    type: path
    default: /etc/ssl/private/tkj-mailserver.key
  ca_file:
    description:
      - With O(mode=lab_ca), where the lab CA certificate goes on the host. The default directory is the
        one C(update-ca-certificates) adds to the system's trusted CAs.
    type: path
    default: /usr/local/share/ca-certificates/tkj-lab-ca.crt
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - tkj.mailserver.action_plugin
attributes:
  check_mode:
    support: full
    details: Reports what would be made, issued and installed; writes nothing on the controller nor on the host.
  diff_mode:
    support: full
    details: The certificate files' diff; the private key's content is never shown.
  platform:
    platforms: debian
notes:
  - The hosts of a play share one lab CA; a lock in O(ca_dir) keeps parallel hosts from making two.
  - No private key is shown or logged. The lab CA's key never leaves the controller. The server's key
    goes to the host (and, with O(remote_src=true), is read there) in module calls made with C(no_log),
    so the host's journal does not record it; the result and the diff show a placeholder instead.
seealso:
  - module: tkj.mailserver.config_files
"""

EXAMPLES = r"""
- name: Install this server's certificate from the lab CA kept next to the inventory
  tkj.mailserver.certificate:
    names: [mail.nida.com]
    ca_dir: "{{ inventory_dir }}/.lab-ca"
    ca_domains: [nida.com]
  notify: Reload the services that use the certificate

- name: Install the site's own certificate, checked against its key and the mail host's name first
  tkj.mailserver.certificate:
    mode: own
    names: [mail.example.org]
    cert_src: files/mail.example.org.crt
    chain_src: files/chain.pem
    key_src: files/mail.example.org.key
"""

RETURN = r"""
cert_file:
  description: The certificate file on the host (Debian's snakeoil with O(mode=snakeoil)).
  returned: always
  type: str
  sample: /etc/ssl/certs/tkj-mailserver.pem
key_file:
  description: The private key file on the host.
  returned: always
  type: str
  sample: /etc/ssl/private/tkj-mailserver.key
ca_file:
  description: The lab CA certificate on the host; empty unless O(mode=lab_ca).
  returned: always
  type: str
  sample: /usr/local/share/ca-certificates/tkj-lab-ca.crt
verifiable:
  description: Whether clients can verify the certificate (false for snakeoil).
  returned: always
  type: bool
  sample: true
names:
  description: The DNS names the certificate is for.
  returned: unless O(mode=snakeoil)
  type: list
  elements: str
  sample: [mail.nida.com]
not_after:
  description: When the certificate ends (ISO 8601).
  returned: unless O(mode=snakeoil)
  type: str
  sample: "2027-12-31T10:00:00+00:00"
fingerprint:
  description: SHA-256 fingerprint, as browsers and Thunderbird show it.
  returned: unless O(mode=snakeoil)
  type: str
  sample: "3A:5F:...:9C"
issuer:
  description: The issuer's name (RFC 4514).
  returned: unless O(mode=snakeoil)
  type: str
  sample: O=tkj.mailserver lab,CN=tkj.mailserver lab CA
reason:
  description: Why the certificate was issued in this run (null when it was kept).
  returned: unless O(mode=snakeoil)
  type: str
  sample: the names changed (mail.nida.com, now mail.nida.com, webmail.nida.com)
ca_created:
  description: Whether the lab CA was made in this run.
  returned: unless O(mode=snakeoil)
  type: bool
  sample: false
ca_pem:
  description: The lab CA certificate (PEM), empty unless O(mode=lab_ca).
  returned: unless O(mode=snakeoil)
  type: str
  sample: "-----BEGIN CERTIFICATE-----..."
ca_fingerprint:
  description: SHA-256 fingerprint of the lab CA certificate, for students to compare; empty unless O(mode=lab_ca).
  returned: unless O(mode=snakeoil)
  type: str
  sample: "9C:1E:...:07"
ca_certificate:
  description: The lab CA certificate on the controller, the file students import (O(mode=lab_ca)).
  returned: unless O(mode=snakeoil)
  type: str
  sample: /home/teacher/lab/inventories/lab/.lab-ca/lab-ca.crt
changed_files:
  description: The files on the host that changed (or would, in check mode).
  returned: unless O(mode=snakeoil)
  type: list
  elements: str
  sample: [/etc/ssl/certs/tkj-mailserver.pem]
"""
