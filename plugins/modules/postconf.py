#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: postconf
short_description: Manage Postfix main.cf parameters and master.cf services in one call
version_added: 0.1.0
author:
  - tkj.mailserver developers (@tkj-lab)
description:
  - Sets and resets Postfix C(main.cf) parameters and adds, replaces or removes C(master.cf) service entries, then checks
    the result with C(postfix check).
  - The live configuration is read once with C(postconf -c config_dir), which lists every parameter Postfix knows with
    its raw (unexpanded) value, defaults included. Unknown parameter names are rejected with the closest real names as
    suggestions, so a typo never lands in C(main.cf).
  - Values are compared after normalisation. Whitespace is collapsed and commas and whitespace count as the same list
    separator, so V(a, b), V(a,b) and V(a b) are equal; booleans become V(yes) or V(no). A value equal to the current
    effective value is not a change, even when that value is Postfix's default and C(main.cf) does not set it.
  - C(main.cf) is edited like a person would edit it. An existing C(name = value) line (with its continuation lines) is replaced
    in place, a new parameter is appended at the end, comments stay. O(reset) removes the line so the parameter falls
    back to its default.
  - A C(master.cf) entry is compared field by field (the C(-o) overrides as a mapping) and replaced in place. When there
    is no active entry for the service and type but a commented-out one (as in Debian's C(#submission inet n - y - -
    smtpd) block with its C(#  -o ...) lines), that commented block is replaced by the active entry; otherwise the entry
    is appended.
  - Both files are written atomically (temporary file beside the target, then rename), then C(postfix -c config_dir
    check) runs. When it fails, the previous content of both files is restored atomically (byte-identical) and the module
    fails with the checker's message.
  - The module neither reloads nor restarts Postfix. Notify a handler that runs C(postfix reload), or restarts Postfix
    when RV(restart_required) is true.
notes:
  - C(postfix check) writes its own diagnostics to standard error only when that is a terminal (otherwise only to the
    mail log), so the module runs it on a pseudo-terminal to be able to show why the new configuration was rejected.
  - Warnings of a successful C(postfix check), for example C(unused parameter) for a parameter that nothing refers to,
    do not fail the module; they are passed on as Ansible warnings. Names are validated before anything is written, so
    such warnings concern settings the module was not asked to make.
  - Accepted parameter names are the names C(postconf) lists, the names set in C(main.cf), user-defined names that this
    call refers to as C($name) in a value or an C(-o) override, and the per-service names (such as
    C(dovecot_destination_recipient_limit)) that Postfix will derive for a delivery service (C(local), C(error),
    C(virtual), C(smtp), C(lmtp), C(pipe); C(spawn) for C(_time_limit)) that this call adds.
  - Per C(postconf(5)), only C(inet_interfaces) and C(inet_protocols) need Postfix to be stopped and
    started; everything else, including C(master.cf) changes (C(master(5)) - "After changing master.cf you must execute
    postfix reload"), takes effect with C(postfix reload).
  - Between the write and the restore of a rejected configuration there is a short window in which the new files are in
    place; a C(postfix reload) running concurrently at exactly that moment would see them.
  - The C(postconf) and C(postfix) commands come from the Debian package C(postfix).
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - tkj.mailserver.config_file
attributes:
  check_mode:
    support: full
    details: Computes changes, diffs and the result; writes nothing and does not run C(postfix check).
  diff_mode:
    support: full
    details: Returns one diff per changed file (C(main.cf), C(master.cf)).
options:
  settings:
    description:
      - C(main.cf) parameters to set, as parameter name to value, for example C(home_mailbox) to V(Maildir/).
      - A value may be a string, a number, a boolean (written as V(yes) or V(no)) or a list (joined with V(, )).
      - Values are single-line; Postfix joins long values itself. Names contain only letters, digits, V(_) and V(-).
    type: dict
    default: {}
  reset:
    description:
      - C(main.cf) parameters to remove, so that they fall back to Postfix's default.
      - A parameter that C(main.cf) does not set is not a change.
    type: list
    elements: str
    default: []
  services:
    description:
      - C(master.cf) service entries. An entry is identified by its O(services[].name) and O(services[].type).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description:
          - Service name, for example V(submission), V(smtps), V(127.0.0.1:10025) or V(dovecot).
        type: str
        required: true
      type:
        description:
          - Service type.
        type: str
        default: inet
        choices: [inet, unix, unix-dgram, fifo, pass]
      private:
        description:
          - Whether the service is accessible only by the mail system (C(master.cf) column 3). V(-) is Postfix's default.
        type: str
        default: '-'
        choices: ['y', 'n', '-']
      unprivileged:
        description:
          - Whether the service runs with the least privilege (column 4). V(-) is Postfix's default.
        type: str
        default: '-'
        choices: ['y', 'n', '-']
      chroot:
        description:
          - Whether the service runs chrooted to the queue directory (column 5). V(-) is Postfix's default.
        type: str
        default: '-'
        choices: ['y', 'n', '-']
      wakeup:
        description:
          - Wake-up time in seconds (column 6), optionally followed by V(?), or V(-) for none.
        type: str
        default: '-'
      maxproc:
        description:
          - Maximum number of processes (column 7), a number or V(-) for C(default_process_limit).
        type: str
        default: '-'
      command:
        description:
          - Command and its arguments (column 8 on), for example V(smtpd) or
            V(pipe flags=DRhu user=vmail argv=/usr/lib/dovecot/deliver -d ${recipient}).
          - Put C(-o name=value) overrides in O(services[].options), not here.
          - Required when O(services[].state=present).
        type: str
      options:
        description:
          - The C(-o name=value) overrides of the service, in the order to write them. Values may be strings, numbers,
            booleans or lists (joined with V(,)).
          - A value containing whitespace is written in Postfix's C(-o { name = value }) form.
          - Compared as a mapping, so a different order alone is not a change.
        type: dict
        default: {}
      state:
        description:
          - Whether the entry should be present or absent. V(absent) removes the active entry; commented-out entries stay.
        type: str
        default: present
        choices: [present, absent]
  config_dir:
    description:
      - Postfix configuration directory holding C(main.cf) and C(master.cf).
    type: path
    default: /etc/postfix
  rebuild_aliases:
    description:
      - After the settings, build the database of each indexed table of C(alias_database) (for example
        C(/etc/aliases.db) from C(hash:/etc/aliases)) with C(postalias), as C(newaliases) does, when it is missing
        or not newer than its source file, also when the source was edited by hand. local(8) reads the aliases
        only from the database.
    type: bool
    default: false
    version_added: 0.14.0
seealso:
  - name: postconf(5)
    description: Postfix configuration parameters.
    link: https://www.postfix.org/postconf.5.html
  - name: master(5)
    description: Postfix master process configuration file format.
    link: https://www.postfix.org/master.5.html
"""

EXAMPLES = r"""
- name: Deliver to Maildir and accept mail for the lab domain
  tkj.mailserver.postconf:
    settings:
      home_mailbox: Maildir/
      mydestination: [$myhostname, localhost, nida.com]
      mynetworks: [127.0.0.0/8, "[::1]/128", 26.26.26.0/24]
      message_size_limit: 52428800
      smtpd_sasl_auth_enable: false
    reset:
      - relayhost
  notify: Reload postfix

- name: Enable submission on port 587 with TLS and SASL authentication
  tkj.mailserver.postconf:
    services:
      - name: submission
        type: inet
        private: n
        chroot: y
        command: smtpd
        options:
          syslog_name: postfix/submission
          smtpd_tls_security_level: encrypt
          smtpd_sasl_auth_enable: true
          smtpd_client_restrictions: [permit_sasl_authenticated, reject]
  register: postfix_config
  notify: Reload postfix

- name: Restart instead of reload when a listening parameter changed
  ansible.builtin.service:
    name: postfix
    state: restarted
  when: postfix_config.restart_required

- name: Remove the smtps service
  tkj.mailserver.postconf:
    services:
      - name: smtps
        state: absent
"""

RETURN = r"""
aliases_rebuilt:
  description: The alias tables whose database was built again (or would be, in check mode).
  returned: when O(rebuild_aliases=true)
  type: list
  elements: str
  sample: [hash:/etc/aliases]
  version_added: 0.14.0
changes:
  description:
    - The C(main.cf) parameters that changed, with their value before (the effective value, possibly Postfix's default;
      null for a user-defined parameter that did not exist) and after (null for a reset, which falls back to the default).
  returned: always
  type: list
  elements: dict
  sample: [{name: home_mailbox, before: '', after: Maildir/}, {name: relayhost, before: smtp.example.net, after: null}]
  contains:
    name:
      description: Parameter name.
      returned: always
      type: str
    before:
      description: Raw value before the change.
      returned: always
      type: str
    after:
      description: Value written, or null when the parameter was reset.
      returned: always
      type: str
services_changed:
  description: The C(master.cf) entries added, replaced or removed, as C(name/type).
  returned: always
  type: list
  elements: str
  sample: [submission/inet]
restart_required:
  description:
    - True when a changed parameter takes effect only after Postfix is stopped and started (C(inet_interfaces),
      C(inet_protocols)); otherwise C(postfix reload) is enough, for C(master.cf) changes too.
  returned: always
  type: bool
  sample: false
backup_files:
  description: Backup copies made because O(backup=true), one per changed file.
  returned: always
  type: list
  elements: str
  sample: [/etc/postfix/main.cf.12345.2025-11-26@16:00:00~]
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.tkj.mailserver.plugins.module_utils._errors import InputError
from ansible_collections.tkj.mailserver.plugins.module_utils._files import file_diff, read_text
from ansible_collections.tkj.mailserver.plugins.module_utils._postfix import FLAG_CHOICES, RESTART_PARAMETERS, SERVICE_TYPES, PostfixConfig
from ansible_collections.tkj.mailserver.plugins.module_utils._postfix_commands import (
    read_live_parameters, rebuild_alias_tables, stale_alias_tables, write_and_check)


def main():
    """Read the live parameters and both files, work out the edits, then write and check them unless in check mode."""
    service_options = {
        "name": {"type": "str", "required": True},
        "type": {"type": "str", "default": "inet", "choices": SERVICE_TYPES},
        "private": {"type": "str", "default": "-", "choices": FLAG_CHOICES},
        "unprivileged": {"type": "str", "default": "-", "choices": FLAG_CHOICES},
        "chroot": {"type": "str", "default": "-", "choices": FLAG_CHOICES},
        "wakeup": {"type": "str", "default": "-"},
        "maxproc": {"type": "str", "default": "-"},
        "command": {"type": "str"},
        "options": {"type": "dict", "default": {}},
        "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
    }
    module = AnsibleModule(
        argument_spec={
            "settings": {"type": "dict", "default": {}},
            "reset": {"type": "list", "elements": "str", "default": []},
            "services": {"type": "list", "elements": "dict", "default": [], "options": service_options,
                         "required_if": [("state", "present", ["command"])]},
            "config_dir": {"type": "path", "default": "/etc/postfix"},
            "backup": {"type": "bool", "default": False},
            "rebuild_aliases": {"type": "bool", "default": False},
        },
        supports_check_mode=True,
    )
    config_dir = os.path.abspath(module.params["config_dir"])
    postconf = module.get_bin_path("postconf", required=True)
    postfix = module.get_bin_path("postfix", required=True)
    main_cf = os.path.join(config_dir, "main.cf")
    master_cf = os.path.join(config_dir, "master.cf")

    live = read_live_parameters(module, postconf, config_dir)
    main_before = read_text(main_cf)
    master_before = read_text(master_cf)
    try:
        config = PostfixConfig(module.params, live, (main_before or "").splitlines(True), (master_before or "").splitlines(True))
    except InputError as error:
        module.fail_json(msg=str(error))
    main_after, changes = config.main_cf_text()
    master_after, services_changed = config.master_cf_text()

    files = []
    if changes:
        files.append((main_cf, main_before, main_after))
    if services_changed:
        files.append((master_cf, master_before, master_after))
    result = {
        "changed": bool(files),
        "changes": changes,
        "services_changed": services_changed,
        "restart_required": any(change["name"] in RESTART_PARAMETERS for change in changes),
        "backup_files": [],
    }
    if module._diff:
        result["diff"] = [file_diff(path, before, after) for path, before, after in files]
    if files and not module.check_mode:
        result["backup_files"] = write_and_check(module, postfix, config_dir, files)
    if module.params["rebuild_aliases"]:
        alias_database = module.params["settings"].get("alias_database", live.get("alias_database", ""))
        alias_database = ", ".join(alias_database) if isinstance(alias_database, list) else str(alias_database)
        result["aliases_rebuilt"] = stale_alias_tables(alias_database)
        result["changed"] = result["changed"] or bool(result["aliases_rebuilt"])
        if result["aliases_rebuilt"] and not module.check_mode:
            rebuild_alias_tables(module, config_dir, result["aliases_rebuilt"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
