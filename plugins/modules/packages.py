#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The documentation of tkj.mailserver.packages; the work is done by its action plugin
(plugins/action/packages.py), on the controller."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: packages
short_description: Install Debian packages with their debconf answers; ask the mirror only when one is missing
version_added: 0.3.0
author:
  - tkj.mailserver developers (@tkj-lab)
description:
  - Makes sure the packages in O(name) are installed, with the debconf answers in O(debconf) set first.
  - First asks dpkg (C(dpkg-query)) which of them are installed. When all are, it reports no change and
    touches neither the package lists nor the network, so a run works in a lab without internet.
  - When one is missing, installs them with M(ansible.builtin.apt), refreshing the package lists first
    if they are older than O(cache_valid_time).
  - A package that dpkg has not finished configuring (half-configured after an interrupted upgrade) counts
    as missing, so apt finishes configuring it.
options:
  name:
    description:
      - Plain Debian package names (no version, release or architecture).
    type: list
    elements: str
    required: true
  policy_rc_d:
    description:
      - Passed to M(ansible.builtin.apt) when something is installed. V(101) keeps the packages' services
        from starting until they are configured.
    type: int
  cache_valid_time:
    description:
      - When a package is missing, the package lists are refreshed first if they are older than this, in seconds.
    type: int
    default: 3600
  debconf:
    description:
      - Answers to the packages' install questions, set before anything is installed, on every run, with
        M(tkj.mailserver.debconf_preseed) (same options; only the answers that differ are written).
      - A password answer is not logged on the host; set C(no_log) on the task to keep it out of the
        controller's verbose output too.
    type: dict
    suboptions:
      package:
        description: The package that owns the questions, see M(tkj.mailserver.debconf_preseed).
        type: str
        required: true
      questions:
        description: The answers, see M(tkj.mailserver.debconf_preseed).
        type: list
        elements: dict
        required: true
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - tkj.mailserver.action_plugin
attributes:
  check_mode:
    support: full
    details: Reports what would be installed and answered; installs nothing and does not refresh the package lists.
  diff_mode:
    support: partial
    details: The debconf answers that change, as M(tkj.mailserver.debconf_preseed) shows them.
  platform:
    platforms: debian
notes:
  - Needs python3-apt on the host only when something is installed (M(ansible.builtin.apt) installs it itself, except in check mode).
seealso:
  - module: ansible.builtin.apt
"""

EXAMPLES = r"""
- name: Install BIND with its service held back until it is configured
  tkj.mailserver.packages:
    name: [bind9, bind9-utils, bind9-dnsutils]
    policy_rc_d: 101
  notify: Restart named

- name: Answer Postfix's install questions and install it
  tkj.mailserver.packages:
    name: [postfix]
    policy_rc_d: 101
    debconf:
      package: postfix
      questions:
        - {question: postfix/main_mailer_type, type: select, value: Internet Site}
        - {question: postfix/mailname, type: string, value: mail.nida.com}
"""

RETURN = r"""
missing:
  description: The packages that were not installed before the task (and were installed, or would be in check mode).
  returned: always
  type: list
  elements: str
  sample: [dovecot-pop3d]
versions:
  description:
    - The installed version of each package of O(name), from dpkg, after the install (in check mode, before it).
  returned: always
  type: dict
  sample: {dovecot-core: "1:2.3.19.1+dfsg1-2.1+deb12u1", php-fpm: "2:8.2+93"}
cache_updated:
  description: Whether the package lists were refreshed (from M(ansible.builtin.apt)).
  returned: when a package was missing
  type: bool
  sample: true
"""
