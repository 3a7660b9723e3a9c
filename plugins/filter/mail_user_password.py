# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The mail_user_password filter: a mail user's crypt(3) hash, stable from run to run."""

from __future__ import annotations

DOCUMENTATION = r"""
name: mail_user_password
short_description: The password hash of a mail user, stable from run to run
version_added: 0.3.0
author:
- tkj.mailserver developers (@tkj-lab)
description:
- For a mail user C({name, password | password_hash}) in the form of the dovecot role's C(dovecot_users), returns
  C(password_hash) as it is, or the SHA-512-crypt hash (P(tkj.mailserver.sha512_crypt#filter)) of C(password) with
  a salt fixed per host and user, so that the same password always gives the same hash on the same host and a re-run
  changes nothing.
positional: host
options:
  _input:
    description: The user, a mapping with C(name) and C(password) or C(password_hash).
    type: dict
    required: true
  host:
    description: The host the user lives on (its inventory name); part of the salt.
    type: string
    required: true
notes:
- The salt is the first 16 hexadecimal digits of the SHA-256 of C(HOST:NAME).
"""

EXAMPLES = r"""
- name: Create a mail user
  ansible.builtin.user:
    name: "{{ item.name }}"
    password: "{{ item | tkj.mailserver.mail_user_password(inventory_hostname) }}"
  loop: "{{ dovecot_users }}"
  no_log: true
"""

RETURN = r"""
_value:
  description: A crypt(3) hash for C(/etc/shadow).
  type: string
  sample: $6$0f1e2d3c4b5a6978$...
"""

import hashlib

from ansible.errors import AnsibleFilterError
from ansible_collections.tkj.mailserver.plugins.filter.sha512_crypt import SALT_MAX_LENGTH, sha512_crypt


def mail_user_password(user, host):
    """The crypt(3) hash for a mail user {name, password | password_hash} of the dovecot role: its
    password_hash as given, or its password hashed with a salt fixed per host and user (the first 16
    hex digits of SHA-256 of HOST:NAME), so that every run gives the same hash."""
    if not isinstance(user, dict) or not isinstance(user.get("name"), str):
        raise AnsibleFilterError("mail_user_password: expected a user {name, password | password_hash}")
    if user.get("password_hash"):
        return user["password_hash"]
    salt = hashlib.sha256(("%s:%s" % (host, user["name"])).encode("utf-8")).hexdigest()[:SALT_MAX_LENGTH]
    return sha512_crypt(user.get("password") or "", salt)


class FilterModule:
    """The tkj.mailserver filters defined in this file."""

    def filters(self):
        return {"mail_user_password": mail_user_password}
