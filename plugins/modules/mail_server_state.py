#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: mail_server_state
short_description: Read what a mail server says about itself, for the check's diagnosis
version_added: 0.14.0
author:
  - tkj.mailserver developers (@tkj-lab)
description:
  - Runs on the mail server and reads, with the server's own tools, what a mail client cannot see
    from outside; the C(tkj.mailserver.check) playbook hands it to M(tkj.mailserver.mail_check),
    which says why a message never arrived or a port never answered.
  - The state of each of O(units) (C(systemctl is-active)); where Postfix delivers local mail
    (C(home_mailbox), C(mailbox_transport), C(mailbox_command)); where Dovecot reads it
    (C(mail_location), or C(mail_driver) and C(mail_path) on Dovecot 2.4); the owner of each of
    O(users)' C(~/Maildir); and the rules of nftables and iptables that drop or refuse a mail port
    (25, 110, 143, 465, 587, 993, 995).
  - A tool that is not installed gives an empty answer. Changes nothing.
options:
  units:
    description: The systemd units to ask about, for example V(postfix) and V(dovecot).
    type: list
    elements: str
    default: []
  users:
    description: The mail users (system users) whose C(~/Maildir) to look at.
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details:
      - Reads only; runs the same in check mode.
  diff_mode:
    support: none
  platform:
    platforms: debian
"""

EXAMPLES = r"""
- name: Read the mail server's own view of itself
  tkj.mailserver.mail_server_state:
    units: [postfix, dovecot]
    users: [siswa]
  register: server_state
"""

RETURN = r"""
services:
  description: Each unit's state as systemd says it (V(active), V(inactive), V(failed), ...).
  returned: always
  type: dict
  sample: {postfix: active, dovecot: inactive}
postfix:
  description: Postfix's C(home_mailbox), C(mailbox_transport) and C(mailbox_command) (empty without Postfix).
  returned: always
  type: dict
  sample: {home_mailbox: Maildir/, mailbox_transport: "", mailbox_command: ""}
dovecot_location:
  description: Where Dovecot reads mail, as C(DRIVER:PATH) (empty without Dovecot).
  returned: always
  type: str
  sample: maildir:~/Maildir
maildirs:
  description: Each user's C(~/Maildir) and its owner (null when the user or the directory is missing).
  returned: always
  type: dict
  sample: {siswa: {path: /home/siswa/Maildir, owner: siswa}}
firewall:
  description: The firewall rules that drop or refuse a mail port, as C(nft list ruleset) or C(iptables -S) print them.
  returned: always
  type: list
  elements: str
  sample: ["tcp dport 25 drop"]
queue:
  description:
    - The mail Postfix holds back (C(postqueue -j)), how many messages are deferred and why, the most frequent reasons
      first (at most three, each with its number of recipients). Null when Postfix cannot say (not installed, or down).
  returned: always
  type: dict
  version_added: 0.14.0
  sample: {deferred: 1, reasons: [["SASL authentication failed; server smtp.relay.test said 535 5.7.8 ...", 1]]}
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.tkj.mailserver.plugins.module_utils import _server_state


def main():
    module = AnsibleModule(
        argument_spec=dict(
            units=dict(type="list", elements="str", default=[]),
            users=dict(type="list", elements="str", default=[]),
        ),
        supports_check_mode=True,
    )

    def run(argv):
        if module.get_bin_path(argv[0]) is None:
            return 127, "", "%s: not installed" % argv[0]
        return module.run_command(argv)

    state = _server_state.read(run, module.params["units"], module.params["users"])
    module.exit_json(changed=False, **state)


if __name__ == "__main__":
    main()
