# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Private helpers of tkj.mailserver.dkim_key: where a domain's DKIM keys live, which of them stay,
and the DNS record that publishes a key.

The keys are made and read with the openssl command (Debian's openssl package) rather than a Python
library, because the mail host has no python3-cryptography and openssl is what opendkim-genkey
itself runs."""

from __future__ import annotations

import glob
import os
import re

from ansible_collections.tkj.mailserver.plugins.module_utils._errors import InputError
from ansible_collections.tkj.mailserver.plugins.module_utils._files import move_into_place, remove_stale_temp_files

KEY_SUFFIX = ".private"
# A selector is one DNS label; lower case so that file names and records agree.
SELECTOR_PATTERN = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
DOMAIN_PATTERN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9]$")
PEM_LINE = re.compile(r"^-----(BEGIN|END) [A-Z ]+-----$")


def check_names(domain, selector):
    """Refuse a domain or selector that cannot be a DNS name (nor a safe file name)."""
    if not DOMAIN_PATTERN.match(domain):
        raise InputError("domain %r is not a domain name such as nida.com (lower case letters, digits, hyphens, dots)" % domain)
    if not SELECTOR_PATTERN.match(selector):
        raise InputError("selector %r must be one DNS label: lower case letters, digits and hyphens, at most 63, "
                         "not starting or ending with a hyphen (for example tkj2026)" % selector)


def key_path(directory, domain, selector):
    """The private key of ``domain`` for ``selector``: DIRECTORY/DOMAIN.SELECTOR.private."""
    return os.path.join(directory, "%s.%s%s" % (domain, selector, KEY_SUFFIX))


def domain_keys(directory, domain):
    """{selector: path} of the keys of ``domain`` in ``directory`` (other domains' keys are not
    matched: what follows the domain must be a single label)."""
    found = {}
    prefix = os.path.join(directory, glob.escape(domain) + ".")
    for path in glob.glob(prefix + "*" + KEY_SUFFIX):
        selector = os.path.basename(path)[len(domain) + 1:-len(KEY_SUFFIX)]
        if SELECTOR_PATTERN.match(selector):
            found[selector] = path
    return found


def retired(keys, selector, ages, grace_days):
    """The selectors of ``keys`` to remove: every one but ``selector`` once the key of
    ``selector`` is older than ``grace_days`` days (``ages`` in days, by selector). Until then the
    old keys stay published, so that mail signed with them just before the change still verifies."""
    if selector not in ages or ages[selector] <= grace_days:
        return []
    return sorted(other for other in keys if other != selector)


def public_key_base64(pem_text):
    """The base64 body of a PEM public key, as a DKIM record's p= tag takes it."""
    lines = [line.strip() for line in pem_text.strip().splitlines()]
    if len(lines) < 3 or not PEM_LINE.match(lines[0]) or not PEM_LINE.match(lines[-1]):
        raise InputError("openssl did not print a PEM public key: %r" % pem_text[:200])
    return "".join(lines[1:-1])


def record_value(public_key):
    """The TXT data of SELECTOR._domainkey.DOMAIN (RFC 6376, section 3.6.1)."""
    return "v=DKIM1; k=rsa; p=%s" % public_key


def read_public_key(module, openssl, path):
    """The base64 public key of the private key in ``path``."""
    rc, out, err = module.run_command([openssl, "pkey", "-in", path, "-pubout"])
    if rc != 0:
        raise InputError("%s is not a private key openssl can read: %s" % (path, (err or out).strip()))
    return public_key_base64(out)


def make_key(module, openssl, path, bits, uid, gid):
    """Generate an RSA key of ``bits`` into ``path``: written beside it with mode 0600 and the
    signer's owner, then moved into place, so that no half-written or readable key is ever there."""
    remove_stale_temp_files(path)
    directory, name = os.path.split(path)
    temp_path = os.path.join(directory, "." + name + ".tkj-tmp-new")
    old_umask = os.umask(0o077)
    try:
        rc, out, err = module.run_command([openssl, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:%d" % bits,
                                           "-out", temp_path])
        if rc != 0:
            raise InputError("openssl genpkey failed: %s" % (err or out).strip())
        os.chmod(temp_path, 0o600)
        os.chown(temp_path, uid, gid)
        move_into_place(module, temp_path, path)
    finally:
        os.umask(old_umask)
        if os.path.exists(temp_path):
            os.unlink(temp_path)
