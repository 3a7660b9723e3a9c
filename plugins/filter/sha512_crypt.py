# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The sha512_crypt filter: SHA-512-crypt (``$6$``) password hashes in pure Python, no passlib needed."""

from __future__ import annotations

DOCUMENTATION = r"""
name: sha512_crypt
short_description: Hash a password with SHA-512-crypt (C($6$)) without passlib
version_added: 0.1.0
author:
  - tkj.mailserver developers (@tkj-lab)
description:
  - Returns the SHA-512-crypt hash of the input password, the C($6$) format of C(/etc/shadow) and of Dovecot's C({SHA512-CRYPT}) scheme.
  - Implements Ulrich Drepper's specification "Unix crypt using SHA-256 and SHA-512", the algorithm of glibc's C(crypt()),
    with the Python standard library only, so the controller needs nothing beyond ansible-core
    (P(ansible.builtin.password_hash#filter) needs passlib for this).
  - The same password, salt and rounds always give the same hash, so tasks using it stay idempotent.
positional: salt
options:
  _input:
    description:
      - The password to hash, a string. It is encoded as UTF-8.
      - It must not contain a NUL character, because C(crypt()) stops reading a password at the first one.
    type: string
    required: true
  salt:
    description:
      - The salt, 1 to 16 characters from C([./0-9A-Za-z]).
      - As in the specification, only the first 16 characters are used; a longer salt is truncated.
      - Any other character, including C($), is an error.
    type: string
    required: true
  rounds:
    description:
      - Number of rounds of the hashing loop, from 1000 to 999999999 (the specification's limits).
      - When it is not 5000 (the specification's default) the hash records it as C(rounds=N$) after C($6$).
    type: int
    default: 5000
notes:
  - The password never appears in an error message of this filter.
seealso:
  - plugin: ansible.builtin.password_hash
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Create a mail user with a SHA-512-crypt password
  ansible.builtin.user:
    name: alice
    password: "{{ alice_password | tkj.mailserver.sha512_crypt('pepper2024') }}"

- name: Use more rounds; the hash then reads $6$rounds=100000$pepper2024$...
  ansible.builtin.debug:
    msg: "{{ alice_password | tkj.mailserver.sha512_crypt('pepper2024', rounds=100000) }}"

- name: Drepper's first test vector
  ansible.builtin.assert:
    that:
      - "('Hello world!' | tkj.mailserver.sha512_crypt('saltstring')) == expected"
  vars:
    expected: "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"
"""

RETURN = r"""
_value:
  description:
    - The hash, C($6$SALT$HASH) with the default 5000 rounds, else C($6$rounds=N$SALT$HASH), where HASH is 86 characters.
  type: string
  sample: "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"
"""

import hashlib

from ansible.errors import AnsibleFilterError

SALT_ALPHABET = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
SALT_MAX_LENGTH = 16
ROUNDS_DEFAULT = 5000
ROUNDS_MIN = 1000
ROUNDS_MAX = 999999999
# The specification's encoding step: the 64 digest bytes are written in this order, three at a time
# (each triple as four characters), then byte 63 alone (as two characters).
BYTE_TRIPLES = (
    (0, 21, 42), (22, 43, 1), (44, 2, 23), (3, 24, 45), (25, 46, 4), (47, 5, 26), (6, 27, 48),
    (28, 49, 7), (50, 8, 29), (9, 30, 51), (31, 52, 10), (53, 11, 32), (12, 33, 54), (34, 55, 13),
    (56, 14, 35), (15, 36, 57), (37, 58, 16), (59, 17, 38), (18, 39, 60), (40, 61, 19), (62, 20, 41),
)


def _sha512(*parts):
    return hashlib.sha512(b"".join(parts)).digest()


def _repeat_to_length(digest, length):
    """``digest`` repeated and cut to ``length`` bytes (the specification's P and S byte sequences)."""
    return (digest * (length // len(digest) + 1))[:length]


def _encode(value, characters):
    """The integer ``value`` as ``characters`` characters of crypt's base-64 alphabet, least significant first."""
    return "".join(SALT_ALPHABET[(value >> (6 * index)) & 0x3F] for index in range(characters))


def _check_arguments(password, salt, rounds):
    if not isinstance(password, str):
        raise AnsibleFilterError(f"sha512_crypt: the password must be a string, got {type(password).__name__}")
    if "\0" in password:
        raise AnsibleFilterError("sha512_crypt: the password must not contain a NUL character (crypt() stops reading at the first one)")
    if not isinstance(salt, str):
        raise AnsibleFilterError(f"sha512_crypt: salt must be a string, got {type(salt).__name__}")
    if not salt:
        raise AnsibleFilterError("sha512_crypt: salt must be 1 to 16 characters from [./0-9A-Za-z], got an empty string")
    invalid = sorted(set(salt) - set(SALT_ALPHABET))
    if invalid:
        raise AnsibleFilterError(f"sha512_crypt: salt {salt!r} has characters outside [./0-9A-Za-z]: {''.join(invalid)!r}")
    if isinstance(rounds, bool) or not isinstance(rounds, int) or not ROUNDS_MIN <= rounds <= ROUNDS_MAX:
        raise AnsibleFilterError(f"sha512_crypt: rounds must be an integer from {ROUNDS_MIN} to {ROUNDS_MAX}, got {rounds!r}")


def sha512_crypt(password, salt, rounds=ROUNDS_DEFAULT):
    """The SHA-512-crypt hash of ``password``, computed step by step as in Drepper's specification."""
    _check_arguments(password, salt, rounds)
    salt = salt[:SALT_MAX_LENGTH]
    key, salt_bytes = password.encode("utf-8"), salt.encode("ascii")

    # Digest B, then digest A: key, salt, B for as many bytes as the key has, then for each bit of
    # the key length (least significant first) B for a 1 and the key for a 0.
    digest_b = _sha512(key, salt_bytes, key)
    parts = [key, salt_bytes, _repeat_to_length(digest_b, len(key))]
    length = len(key)
    while length:
        parts.append(digest_b if length & 1 else key)
        length >>= 1
    digest_a = _sha512(*parts)

    # Byte sequences P (from the key repeated once per key byte) and S (from the salt repeated
    # 16 + A[0] times), each as long as what it stands for.
    p_bytes = _repeat_to_length(_sha512(key * len(key)), len(key))
    s_bytes = _repeat_to_length(_sha512(salt_bytes * (16 + digest_a[0])), len(salt_bytes))

    # The rounds loop, each round starting from the previous digest C.
    digest_c = digest_a
    for round_number in range(rounds):
        parts = [p_bytes if round_number % 2 else digest_c]
        if round_number % 3:
            parts.append(s_bytes)
        if round_number % 7:
            parts.append(p_bytes)
        parts.append(digest_c if round_number % 2 else p_bytes)
        digest_c = _sha512(*parts)

    encoded = "".join(_encode(digest_c[a] << 16 | digest_c[b] << 8 | digest_c[c], 4) for a, b, c in BYTE_TRIPLES)
    encoded += _encode(digest_c[63], 2)
    rounds_field = "" if rounds == ROUNDS_DEFAULT else f"rounds={rounds}$"
    return f"$6${rounds_field}{salt}${encoded}"


class FilterModule:
    """The tkj.mailserver filters defined in this file."""

    def filters(self):
        return {"sha512_crypt": sha512_crypt}
