# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the tkj.mailserver.sha512_crypt filter."""

from __future__ import annotations

import hashlib
import re
import subprocess

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.tkj.mailserver.plugins.filter.sha512_crypt import FilterModule, sha512_crypt
from ansible_collections.tkj.mailserver.plugins.filter.mail_user_password import mail_user_password

# The SHA-512 test vectors of Ulrich Drepper's "Unix crypt using SHA-256 and SHA-512" as
# (salt setting, password, expected crypt() output), verbatim; the rounds are read from the setting.
SPEC_VECTORS = [
    ("$6$saltstring", "Hello world!",
     "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"),
    ("$6$rounds=10000$saltstringsaltstring", "Hello world!",
     "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v."),
    ("$6$rounds=5000$toolongsaltstring", "This is just a test",
     "$6$rounds=5000$toolongsaltstrin$lQ8jolhgVRVhY4b5pZKaysCLi0QBxGoNeKQzQ3glMhwllF7oGDZxUhx1yxdYcz/e1JSbq3y6JMxxl8audkUEm0"),
    ("$6$rounds=1400$anotherlongsaltstring", "a very much longer text to encrypt.  This one even stretches over morethan one line.",
     "$6$rounds=1400$anotherlongsalts$POfYwTEok97VWcjxIiSOjiykti.o/pQs.wPvMxQ6Fm7I6IoYN3CmLs66x9t0oSwbtEW7o7UmJEiDwGqd8p4ur1"),
    ("$6$rounds=77777$short", "we have a short salt string but not a short password",
     "$6$rounds=77777$short$WuQyW2YR.hBNpjjRhpYD/ifIw05xdfeEyQoMxIXbkvr0gge1a1x3yRULJ5CCaUeOxFmtlcGZelFl5CxtgfiAc0"),
    ("$6$rounds=123456$asaltof16chars..", "a short string",
     "$6$rounds=123456$asaltof16chars..$BtCwjqMJGx5hrJhZywWvt0RLE8uZ4oPwcelCjmw2kSYu.Ec6ycULevoBK25fs2xXgMNrCzIMVcgEJAstJeonj1"),
]

# Passwords with salts and rounds for the cross-check against `openssl passwd -6`: ASCII, several
# scripts of UTF-8, and key lengths below, at and above the 64-byte digest size.
OPENSSL_CASES = [
    ("secret", "a", 5000),
    ("correct horse battery staple", "abcdefghijklmnop", 5000),
    ("pässwörd ünïcødé", "./09AZaz", 5000),
    ("пароль-для-почты", "Cyrillic", 1000),
    ("郵便パスワード", "Kanji", 5000),
    ("✉ mail 🔑 key", "emoji", 20000),
    ("x" * 64, "exactly64bytes", 5000),
    ("y" * 65, "sixtyfivebytes", 5000),
    ("z" * 200 + "ü", "longkey", 1234),
]

SECRET = "Tr0ub4dor&3"


def openssl_sha512_crypt(password, salt, rounds):
    """The hash `openssl passwd -6` gives (password on stdin, rounds as glibc's rounds=N$ salt prefix)."""
    setting = salt if rounds == 5000 else f"rounds={rounds}${salt}"
    completed = subprocess.run(["openssl", "passwd", "-6", "-salt", setting, "-stdin"], input=(password + "\n").encode("utf-8"),
                               capture_output=True, check=True)
    return completed.stdout.decode("ascii").strip()


@pytest.mark.parametrize("setting, password, expected", SPEC_VECTORS)
def test_matches_the_specification_vectors(setting, password, expected):
    """Each SHA-512 test vector of Drepper's specification comes out the same (default rounds written implicitly)."""
    match = re.fullmatch(r"\$6\$(?:rounds=(\d+)\$)?([^$]*)", setting)
    rounds = int(match.group(1) or 5000)
    assert sha512_crypt(password, match.group(2), rounds=rounds) == expected.replace("$rounds=5000$", "$", 1)


def test_matches_glibc_for_the_minimum_rounds():
    """rounds=1000 gives the spec's 'roundstoolow' vector, which glibc raises from rounds=10 to 1000."""
    expected = "$6$rounds=1000$roundstoolow$kUMsbe306n21p9R.FRkW3IGn.S9NPN0x50YhH1xhLsPuWGsUSklZt58jaTfF4ZEQpyUNGc0dqbpBYYBaHHrsX."
    assert sha512_crypt("the minimum number is still observed", "roundstoolow", rounds=1000) == expected


@pytest.mark.parametrize("password, salt, rounds", OPENSSL_CASES)
def test_matches_openssl(password, salt, rounds):
    """The hash equals what `openssl passwd -6` computes for the same password, salt and rounds."""
    assert sha512_crypt(password, salt, rounds=rounds) == openssl_sha512_crypt(password, salt, rounds)


def test_hashes_the_empty_password():
    """The empty password hashes as glibc crypt() does (openssl passwd refuses an empty password)."""
    # From glibc/libxcrypt crypt("", "$6$saltstring") on Debian (Python 3.11 crypt module).
    expected = "$6$saltstring$kyGrqt6gmjAdtFLPrflEFifSYLCWWq1pyx95SvqinLDy2UHmj0sTF0MSLMwxPFZc3tu5kQckI8fks0zOPda3n1"
    assert sha512_crypt("", "saltstring") == expected


@pytest.mark.parametrize("rounds, prefix", [(5000, "$6$salt$"), (1000, "$6$rounds=1000$salt$"), (10000, "$6$rounds=10000$salt$")])
def test_output_shape(rounds, prefix):
    """The output is $6$[rounds=N$]SALT$ and 86 characters of crypt's alphabet; rounds appear only when not 5000."""
    result = sha512_crypt(SECRET, "salt", rounds=rounds)
    assert result.startswith(prefix)
    assert re.fullmatch(r"[./0-9A-Za-z]{86}", result[len(prefix):])


def test_long_salt_is_truncated_to_16_characters():
    """A salt longer than 16 characters gives the same hash as its first 16 characters."""
    assert sha512_crypt(SECRET, "abcdefghijklmnopqrstuvwxyz") == sha512_crypt(SECRET, "abcdefghijklmnop")


def test_filter_module_exposes_the_filter():
    """FilterModule maps the name sha512_crypt to the function."""
    assert FilterModule().filters() == {"sha512_crypt": sha512_crypt}


def test_mail_user_password_hashes_with_a_salt_fixed_per_host_and_user():
    """A plain password is hashed with the first 16 hex digits of SHA-256(HOST:NAME) as salt, the
    salt the dovecot role has always used, so hashes of existing users stay the same."""
    salt = hashlib.sha256(b"mail.nida.com:nida").hexdigest()[:16]
    user = {"name": "nida", "password": SECRET}
    assert mail_user_password(user, "mail.nida.com") == sha512_crypt(SECRET, salt)
    assert mail_user_password(user, "mail.nida.com") == mail_user_password(dict(user), "mail.nida.com")
    assert mail_user_password(user, "mail.other.test") != mail_user_password(user, "mail.nida.com")


def test_mail_user_password_keeps_a_given_hash():
    """password_hash is used as it is."""
    given = "$6$tkjsalt$x2bQBhbm7Vq1yqG1Hc1uFqFf0Hn0ZrIhk1wJ0f3Ztq0"
    assert mail_user_password({"name": "nida", "password_hash": given}, "mail.nida.com") == given


def test_mail_user_password_refuses_a_user_without_a_name():
    """Something that is not a user {name, ...} is an error that shows no password."""
    with pytest.raises(AnsibleFilterError) as error:
        mail_user_password({"password": SECRET}, "mail.nida.com")
    assert "expected a user" in str(error.value) and SECRET not in str(error.value)


@pytest.mark.parametrize("password, salt, rounds, message", [
    (None, "salt", 5000, "the password must be a string, got NoneType"),
    (12345, "salt", 5000, "the password must be a string, got int"),
    (b"secret", "salt", 5000, "the password must be a string, got bytes"),
    (["secret"], "salt", 5000, "the password must be a string, got list"),
    (SECRET + "\0tail", "salt", 5000, "the password must not contain a NUL character (crypt() stops reading at the first one)"),
    (SECRET, None, 5000, "salt must be a string, got NoneType"),
    (SECRET, 42, 5000, "salt must be a string, got int"),
    (SECRET, "", 5000, "salt must be 1 to 16 characters from [./0-9A-Za-z], got an empty string"),
    (SECRET, "ab$c", 5000, "salt 'ab$c' has characters outside [./0-9A-Za-z]: '$'"),
    (SECRET, "bad salt!", 5000, "salt 'bad salt!' has characters outside [./0-9A-Za-z]: ' !'"),
    (SECRET, "sälz", 5000, "salt 'sälz' has characters outside [./0-9A-Za-z]: 'ä'"),
    (SECRET, "salt", 999, "rounds must be an integer from 1000 to 999999999, got 999"),
    (SECRET, "salt", 1000000000, "rounds must be an integer from 1000 to 999999999, got 1000000000"),
    (SECRET, "salt", "5000", "rounds must be an integer from 1000 to 999999999, got '5000'"),
    (SECRET, "salt", 5000.0, "rounds must be an integer from 1000 to 999999999, got 5000.0"),
    (SECRET, "salt", True, "rounds must be an integer from 1000 to 999999999, got True"),
])
def test_bad_input_fails_with_a_clear_message(password, salt, rounds, message):
    """Each bad input raises AnsibleFilterError naming the problem and never showing the password."""
    with pytest.raises(AnsibleFilterError) as error:
        sha512_crypt(password, salt, rounds=rounds)
    assert str(error.value) == "sha512_crypt: " + message
    assert SECRET not in str(error.value)
