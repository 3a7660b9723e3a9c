#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: acme_certificate
short_description: A certificate from an ACME CA (Let's Encrypt, or a test CA) through Debian's certbot
version_added: 0.14.0
author:
  - tkj.mailserver developers (@tkj-lab)
description:
  - Keeps the certificate the mail services read (O(cert_file), O(key_file)) in step with certbot's lineage
    O(cert_name), and with O(issue) asks certbot for it when the lineage is missing, covers other names than
    O(names) or comes from another directory than O(directory).
  - certbot answers the CA's HTTP-01 challenge from O(webroot), which a web server on port 80 must serve at
    C(/.well-known/acme-challenge/) for every name. certbot's own systemd timer renews the lineage; a deploy
    hook (the tls role writes one) copies the renewed files to O(cert_file) and O(key_file) and reloads the
    services.
  - Before the first certificate, with no O(cert_file) on the host, a self-signed placeholder for O(names)
    (7 days) is installed so that the services can start; the CA's certificate replaces it once issued.
  - Fails with certbot's own explanation when the CA refuses (a name that does not resolve to this host, port
    80 closed, a rate limit), leaving the installed files as they were.
options:
  names:
    description: The names the certificate is for; the first is its common name. Each must reach this host on port 80.
    type: list
    elements: str
    required: true
  directory:
    description: The ACME directory URL, for example Let's Encrypt's V(https://acme-v02.api.letsencrypt.org/directory).
    type: str
    required: true
  email:
    description: The address the CA may write to about the account. Empty registers without one.
    type: str
    default: ""
  webroot:
    description: The directory the web server serves C(/.well-known/acme-challenge/) from.
    type: path
    default: /var/www/tkj-acme
  cert_name:
    description: certbot's name of the lineage (C(/etc/letsencrypt/live/NAME)).
    type: str
    default: tkj-mailserver
  cert_file:
    description: Where the services read the certificate and its chain (written 0644).
    type: path
    required: true
  key_file:
    description: Where the services read the private key (written 0600, never shown).
    type: path
    required: true
  issue:
    description:
      - Ask certbot for the certificate when the lineage is not the one wanted. V(false) only installs what is
        there (the lineage, or the placeholder), for a run whose DNS is set up later in the same run.
    type: bool
    default: true
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details:
      - Reports what would change; neither certbot nor openssl runs.
  diff_mode:
    support: none
  platform:
    platforms: debian
notes:
  - Needs the C(certbot) package (and C(openssl) for the placeholder).
"""

EXAMPLES = r"""
- name: Get the mail host's certificate from Let's Encrypt
  tkj.mailserver.acme_certificate:
    names: [mail.smk-nida.sch.id, webmail.smk-nida.sch.id]
    directory: https://acme-v02.api.letsencrypt.org/directory
    email: admin@smk-nida.sch.id
    cert_file: /etc/ssl/certs/tkj-mailserver.pem
    key_file: /etc/ssl/private/tkj-mailserver.key
"""

RETURN = r"""
issued:
  description: Whether certbot got a new certificate in this run.
  returned: always
  type: bool
installed:
  description: What O(cert_file) now holds, when this run wrote it (V(lineage) or V(placeholder)); null when it was already right.
  returned: always
  type: str
  sample: lineage
names:
  description: The names of the lineage's certificate (empty before the first).
  returned: always
  type: list
  elements: str
  sample: [mail.smk-nida.sch.id, webmail.smk-nida.sch.id]
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.tkj.mailserver.plugins.module_utils import _acme
from ansible_collections.tkj.mailserver.plugins.module_utils._files import move_into_place, read_text, stage_file


def main():
    module = AnsibleModule(
        argument_spec=dict(
            names=dict(type="list", elements="str", required=True),
            directory=dict(type="str", required=True),
            email=dict(type="str", default=""),
            webroot=dict(type="path", default="/var/www/tkj-acme"),
            cert_name=dict(type="str", default="tkj-mailserver"),
            cert_file=dict(type="path", required=True),
            key_file=dict(type="path", required=True),
            issue=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    p = module.params
    try:
        found = _acme.lineage(p["cert_name"])
    except ValueError as error:
        module.fail_json(msg="certbot's certificate %s: %s" % (_acme.lineage_paths(p["cert_name"])["cert"], error))
    installed_cert, installed_key = read_text(p["cert_file"]), read_text(p["key_file"])
    todo = _acme.plan(found, installed_cert, p["names"], p["directory"], p["issue"])
    if module.check_mode:
        changed = todo["issue"] or todo["install"] == "placeholder" or (
            todo["install"] == "lineage" and (installed_cert, installed_key) != (found["fullchain"], found["privkey"]))
        module.exit_json(changed=bool(changed), issued=False, installed=None, names=found["names"] if found else [])
    if todo["issue"]:
        os.makedirs(p["webroot"], mode=0o755, exist_ok=True)
        argv = _acme.certbot_argv(p["names"], p["directory"], p["email"], p["webroot"], p["cert_name"])
        rc, _out, err = module.run_command(argv)
        if rc != 0:
            module.fail_json(msg="certbot could not get the certificate for %s from %s: %s. The CA must reach each name on port 80 "
                                 "(its DNS A record pointing to this server, port 80 open from the internet); certbot's log is "
                                 "/var/log/letsencrypt/letsencrypt.log." % (", ".join(p["names"]), p["directory"], _acme.certbot_error(err)))
        found = _acme.lineage(p["cert_name"])
    if todo["install"] == "lineage":
        cert, key = found["fullchain"], found["privkey"]
    elif todo["install"] == "placeholder":
        cert, key = _acme.placeholder(p["names"])
    else:
        cert, key = installed_cert, installed_key
    installed = None
    if (cert, key) != (installed_cert, installed_key):
        # root's, the key never readable by others, each moved into place whole
        for path, text, mode in ((p["key_file"], key, 0o600), (p["cert_file"], cert, 0o644)):
            move_into_place(module, stage_file(path, text, mode, 0, 0), path)
        installed = todo["install"]
    module.exit_json(changed=bool(todo["issue"] or installed), issued=bool(todo["issue"]), installed=installed,
                     names=found["names"] if found else [])


if __name__ == "__main__":
    main()
