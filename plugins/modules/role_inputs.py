#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The documentation of tkj.mailserver.role_inputs; the work is done by its action plugin
(plugins/action/role_inputs.py), on the controller."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: role_inputs
short_description: Check the settings of the role it runs in, and what they name on the host, in one task
version_added: 0.13.0
author:
  - tkj.mailserver developers (@tkj-lab)
description:
  - Runs inside a role of this collection (its C(tasks/validate.yml)), before any task that changes the host.
  - Templates each variable the role documents in its C(meta/argument_specs.yml) once, on the controller, and runs
    every check of the role's settings and their cross-checks (for the postfix role the relay rules, the names, the
    aliases, the limits, TLS, and that DNS and mail agree), with the messages of C(docs/bad-input.md).
  - What the settings name on the host (accounts, files) is read in one command, also in check mode. The certificate
    files the tls role will install (its check, registered as C(tls_inputs) earlier in the same run, returned them as
    RV(installs)) are not looked for, so that a playbook can check every host before any host changes.
  - Fails naming every problem at once, each with the variable and the fix; a setting that is allowed but dangerous
    (an acknowledged open relay) gives a warning.
  - The types and choices of the variables are checked first, with ansible-core's own argument spec validation.
options: {}
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - tkj.mailserver.action_plugin
attributes:
  check_mode:
    support: full
    details: Checks the same; only reads the host.
  diff_mode:
    support: none
  platform:
    platforms: debian
notes:
  - Has checks for every role of the collection (dns, dovecot, mail_auth, postfix, tls, webmail), in
    C(plugins/plugin_utils/_inputs_ROLE.py); run in another role, it fails naming those.
"""

EXAMPLES = r"""
# roles/postfix/tasks/validate.yml
- name: Check Postfix's settings and what they name on the host
  tkj.mailserver.role_inputs:
"""

RETURN = r"""
checked:
  description: The variables that were checked, by name.
  returned: always
  type: list
  elements: str
  sample: [postfix_aliases, postfix_domain, postfix_hostname]
nameservers:
  description:
    - The DNS servers in the host's C(/etc/resolv.conf), read for the mail_auth role when C(mail_auth_nameservers) is
      empty (OpenDKIM then asks these).
  returned: in the mail_auth role, when mail_auth_nameservers is empty
  type: list
  elements: str
  sample: [172.30.27.10]
  version_added: 0.14.0
installs:
  description:
    - The files the tls role puts on the host (certificate, key, and the lab CA's certificate), for the checks of
      the roles that use them.
  returned: in the tls role
  type: list
  elements: str
  sample: [/etc/ssl/certs/tkj-mailserver.pem, /etc/ssl/private/tkj-mailserver.key, /usr/local/share/ca-certificates/tkj-lab-ca.crt]
  version_added: 0.14.0
"""
