#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: dkim_key
short_description: Keep a domain's DKIM signing key and return the DNS records that publish it
version_added: 0.7.0
author:
  - tkj.mailserver developers (@tkj-lab)
description:
  - Makes the RSA private key of O(domain) for O(selector) once, as
    C(DIRECTORY/DOMAIN.SELECTOR.private), readable only by O(owner) (mode 0600), with
    C(openssl genpkey); an existing key is kept and only its owner and mode are put right.
  - Returns the TXT records (C(SELECTOR._domainkey)) of that key and of the domain's keys for other
    selectors that are still within their grace period, for a DNS server to publish.
  - Keys of other selectors stay for O(grace_days) days after the key of O(selector) was made, so
    that mail signed just before a change of selector still verifies; after that they are removed.
  - Needs the C(openssl) command on the host.
options:
  domain:
    description: The signing domain (the C(d=) of the signature), for example V(nida.com).
    type: str
    required: true
  selector:
    description:
      - The selector (the C(s=) of the signature), one DNS label of lower case letters, digits and
        hyphens, for example V(tkj2026).
    type: str
    required: true
  directory:
    description: Where the keys are kept. It must exist; Debian's opendkim package makes V(/etc/dkimkeys) (mode 0700).
    type: path
    default: /etc/dkimkeys
  owner:
    description: The user that signs and alone may read the key.
    type: str
    default: opendkim
  group:
    description: The key's group.
    type: str
    default: opendkim
  bits:
    description: Size of a new RSA key; RFC 8301 asks for at least 1024, 2048 is what receivers expect today.
    type: int
    default: 2048
  grace_days:
    description: Days the keys of other selectors stay (and stay published) after the key of O(selector) was made.
    type: int
    default: 7
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Reports the key it would make, and returns no record for it.
  diff_mode:
    support: full
    details: Shows the key files (names only, never their content) before and after.
  platform:
    platforms: debian
"""

EXAMPLES = r"""
- name: Keep nida.com's DKIM key for the selector tkj2026
  tkj.mailserver.dkim_key:
    domain: nida.com
    selector: tkj2026
  register: nida_dkim

- name: Show the record to publish
  ansible.builtin.debug:
    msg: "{{ nida_dkim.records[0].name }}.nida.com TXT {{ nida_dkim.records[0].value }}"
"""

RETURN = r"""
key_file:
  description: The private key of O(selector).
  returned: always
  type: str
  sample: /etc/dkimkeys/nida.com.tkj2026.private
records:
  description:
    - The TXT records to publish in the zone of O(domain), the one of O(selector) first, then those
      of older selectors still within their grace period. In check mode a key not made yet has none.
  returned: always
  type: list
  elements: dict
  contains:
    selector:
      description: The selector.
      type: str
    name:
      description: The owner name relative to the domain, C(SELECTOR._domainkey).
      type: str
    value:
      description: The record's text, C(v=DKIM1; k=rsa; p=...), one string (a DNS server splits it into strings of 255 bytes).
      type: str
  sample: [{selector: tkj2026, name: tkj2026._domainkey, value: "v=DKIM1; k=rsa; p=MIIBIjANBg..."}]
created:
  description: Whether the key of O(selector) was made (would be, in check mode).
  returned: always
  type: bool
removed:
  description: Selectors whose keys were removed because their grace period ended.
  returned: always
  type: list
  elements: str
"""

import grp
import os
import pwd
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.tkj.mailserver.plugins.module_utils._dkim import (
    check_names, domain_keys, key_path, make_key, read_public_key, record_value, retired)
from ansible_collections.tkj.mailserver.plugins.module_utils._errors import InputError


def main():
    module = AnsibleModule(
        argument_spec=dict(
            domain=dict(type="str", required=True),
            selector=dict(type="str", required=True),
            directory=dict(type="path", default="/etc/dkimkeys"),
            owner=dict(type="str", default="opendkim"),
            group=dict(type="str", default="opendkim"),
            bits=dict(type="int", default=2048),
            grace_days=dict(type="int", default=7),
        ),
        supports_check_mode=True,
    )
    params = module.params
    domain, selector, directory = params["domain"].lower().rstrip("."), params["selector"], params["directory"]
    try:
        check_names(domain, selector)
        if params["bits"] < 1024:
            raise InputError("bits (%d) must be at least 1024 (RFC 8301); 2048 is the default" % params["bits"])
        if params["grace_days"] < 0:
            raise InputError("grace_days (%d) must be 0 or more" % params["grace_days"])
        if not os.path.isdir(directory):
            raise InputError("the key directory %s does not exist: install opendkim first, or name another directory" % directory)
        uid, gid = pwd.getpwnam(params["owner"]).pw_uid, grp.getgrnam(params["group"]).gr_gid
    except KeyError as error:
        module.fail_json(msg="owner %s or group %s does not exist on the host (%s): install opendkim first" % (
            params["owner"], params["group"], error))
    except InputError as error:
        module.fail_json(msg=str(error))

    openssl = module.get_bin_path("openssl", required=True)
    path = key_path(directory, domain, selector)
    keys = domain_keys(directory, domain)
    before = sorted(keys)
    now = time.time()
    ages = {name: (now - os.stat(found).st_mtime) / 86400 for name, found in keys.items()}
    created = selector not in keys
    removed = retired(keys, selector, ages, params["grace_days"])
    fixed = False
    try:
        if created and not module.check_mode:
            make_key(module, openssl, path, params["bits"], uid, gid)
            keys[selector] = path
        elif not created:
            info = os.stat(path)
            fixed = (info.st_mode & 0o7777, info.st_uid, info.st_gid) != (0o600, uid, gid)
            if fixed and not module.check_mode:
                os.chown(path, uid, gid)
                os.chmod(path, 0o600)
        for old in removed:
            if not module.check_mode:
                os.unlink(keys[old])
            del keys[old]
        # The key of the selector first: it is the one that signs.
        published = sorted(keys, key=lambda name: (name != selector, name))
        records = [dict(selector=name, name="%s._domainkey" % name, value=record_value(read_public_key(module, openssl, keys[name])))
                   for name in published]
    except InputError as error:
        module.fail_json(msg=str(error))

    result = dict(changed=created or fixed or bool(removed), key_file=path, records=records, created=created, removed=removed)
    if module._diff:
        after = sorted(set(keys) | {selector})
        result["diff"] = dict(before_header=directory, after_header=directory,
                              before="".join(os.path.basename(key_path(directory, domain, name)) + "\n" for name in before),
                              after="".join(os.path.basename(key_path(directory, domain, name)) + "\n" for name in after))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
