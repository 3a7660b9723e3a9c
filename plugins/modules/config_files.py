#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: config_files
short_description: Write several small configuration files in one call, all or none
version_added: 0.2.0
author:
  - tkj.mailserver developers (@tkj-lab)
description:
  - Makes each file in O(files) have the given content, owner, group and mode, or makes it absent,
    in one module call, where M(ansible.builtin.template) or M(ansible.builtin.copy) need two or
    three round trips per file. Render the content on the controller with
    P(ansible.builtin.template#lookup).
  - All or none. Every new content goes to a temporary file beside its target and is checked with
    the file's O(files[].validate) command first. Only when every check passed are the files moved
    into place (each move is atomic). If one check fails, no file is changed.
  - Only what differs is written. A file whose content is the same but whose owner, group or mode
    differs has just those set.
options:
  files:
    description: The files.
    type: list
    elements: dict
    required: true
    suboptions:
      path:
        description: Absolute path of the file. Each path may be given once.
        type: path
        required: true
      content:
        description:
          - The whole content of the file. Required when O(files[].state=present).
        type: str
      state:
        description: V(present) writes the file, V(absent) removes it.
        type: str
        choices: [present, absent]
        default: present
      owner:
        description: Owner of the file (name or number); when not given, the current owner, or for a new file the user the module runs as.
        type: str
      group:
        description: Group of the file (name or number); when not given, the current group, or for a new file that user's group.
        type: str
      mode:
        description:
          - Permissions as an octal string, for example V("0644"). A new file gets V(0644) when not given.
        type: str
      validate:
        description:
          - A command that checks the new content before it is moved into place, with V(%s) where the
            path of the temporary file goes, for example V(named-checkconf %s). It runs without a shell.
        type: str
  backup:
    description: Keep a copy of each file that is replaced or removed, with a time stamp in its name.
    type: bool
    default: false
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Reports what would change; writes nothing and runs no O(files[].validate) command.
  diff_mode:
    support: full
    details: One diff per file whose content changes.
  platform:
    platforms: posix
notes:
  - The directory of each file must exist.
seealso:
  - module: ansible.builtin.template
  - module: ansible.builtin.copy
"""

EXAMPLES = r"""
- name: Write named.conf.options and named.conf.local, each checked by named-checkconf
  tkj.mailserver.config_files:
    files:
      - path: /etc/bind/named.conf.options
        content: "{{ lookup('ansible.builtin.template', 'etc/bind/named.conf.options.j2') }}"
        owner: root
        group: bind
        mode: "0644"
        validate: named-checkconf %s
      - path: /etc/bind/named.conf.local
        content: "{{ lookup('ansible.builtin.template', 'etc/bind/named.conf.local.j2') }}"
        owner: root
        group: bind
        mode: "0644"
        validate: named-checkconf %s
  notify: Reload named

- name: Remove a file that is no longer wanted
  tkj.mailserver.config_files:
    files:
      - path: /etc/dovecot/conf.d/91-tkj-postfix-auth.conf
        state: absent
"""

RETURN = r"""
changed_files:
  description: The files whose content, owner, group or mode changed, or that were removed (or would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: [/etc/bind/named.conf.local]
backup_files:
  description: The backup copies made, when O(backup=true).
  returned: always
  type: list
  elements: str
"""

import os
import re
import shlex

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.tkj.mailserver.plugins.module_utils._files import (
    file_diff, move_into_place, read_text, set_owner, stage_file)

MODE = re.compile(r"^0?[0-7]{3,4}$")


def check_files(module, files):
    paths = [item["path"] for item in files]
    for index, item in enumerate(files):
        where = "files[%d] (%s)" % (index, item["path"])
        if not os.path.isabs(item["path"]):
            module.fail_json(msg="%s: path must be absolute" % where)
        if paths.count(item["path"]) > 1:
            module.fail_json(msg="%s: the path is given twice" % where)
        if item["state"] == "present" and item["content"] is None:
            module.fail_json(msg="%s: content is required unless state is absent" % where)
        if item["mode"] is not None and not MODE.match(item["mode"]):
            module.fail_json(msg="%s: mode %r is not an octal mode such as '0644'" % (where, item["mode"]))
        if item["validate"] is not None and "%s" not in item["validate"]:
            module.fail_json(msg="%s: validate must contain %%s where the file's path goes, as in 'named-checkconf %%s'" % where)
        if item["state"] == "present" and not os.path.isdir(os.path.dirname(item["path"]) or "/"):
            module.fail_json(msg="%s: the directory %s does not exist" % (where, os.path.dirname(item["path"])))


def uid_of(module, owner):
    import pwd
    try:
        return int(owner) if owner.isdigit() else pwd.getpwnam(owner).pw_uid
    except KeyError:
        module.fail_json(msg="owner %r does not exist on this host" % owner)


def gid_of(module, group):
    import grp
    try:
        return int(group) if group.isdigit() else grp.getgrnam(group).gr_gid
    except KeyError:
        module.fail_json(msg="group %r does not exist on this host" % group)


def current_attributes(path):
    """(mode, uid, gid) of the file at ``path``, or None when there is none."""
    if not os.path.exists(path):
        return None
    info = os.stat(path)
    return info.st_mode & 0o7777, info.st_uid, info.st_gid


def wanted_attributes(module, item):
    """(mode, uid, gid) the file should have: what is given, else what the file has now, else the
    defaults of a new file (0644, the user the module runs as)."""
    current = current_attributes(item["path"]) or (0o644, os.geteuid(), os.getegid())
    return (int(item["mode"], 8) if item["mode"] is not None else current[0],
            uid_of(module, item["owner"]) if item["owner"] is not None else current[1],
            gid_of(module, item["group"]) if item["group"] is not None else current[2])


def validation_error(module, item, temp_path):
    command = [word.replace("%s", temp_path) for word in shlex.split(item["validate"])]
    rc, out, err = module.run_command(command)
    if rc != 0:
        return "%s rejected it (rc %d): %s" % (command[0], rc, (err or out).strip().replace(temp_path, item["path"]))
    return None


def main():
    file_spec = dict(
        path=dict(type="path", required=True),
        content=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        owner=dict(type="str"),
        group=dict(type="str"),
        mode=dict(type="str"),
        validate=dict(type="str"),
    )
    module = AnsibleModule(
        argument_spec=dict(
            files=dict(type="list", elements="dict", required=True, options=file_spec),
            backup=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    files = module.params["files"]
    check_files(module, files)
    wanted = dict((item["path"], wanted_attributes(module, item)) for item in files if item["state"] == "present")

    changed_files, diffs, to_write, to_fix, to_remove = [], [], [], [], []
    for item in files:
        exists = os.path.lexists(item["path"])
        if item["state"] == "absent":
            if exists:
                to_remove.append(item)
                changed_files.append(item["path"])
                diffs.append({"before_header": item["path"], "after_header": item["path"],
                              "before": read_text(item["path"]) or "", "after": ""})
            continue
        before = read_text(item["path"]) if exists else None
        if before != item["content"]:
            to_write.append(item)
            changed_files.append(item["path"])
            diffs.append(file_diff(item["path"], before, item["content"]))
        elif current_attributes(item["path"]) != wanted[item["path"]]:
            to_fix.append(item)
            changed_files.append(item["path"])

    backups = []
    if changed_files and not module.check_mode:
        staged = []
        try:
            for item in to_write:
                temp_path = stage_file(item["path"], item["content"], *wanted[item["path"]])
                staged.append((item, temp_path))
                if item["validate"]:
                    error = validation_error(module, item, temp_path)
                    if error:
                        module.fail_json(msg="%s: the new content was rejected, no file was changed: %s" % (item["path"], error))
            for item, temp_path in staged:
                if module.params["backup"] and os.path.exists(item["path"]):
                    backups.append(module.backup_local(item["path"]))
                move_into_place(module, temp_path, item["path"])
        finally:
            for _item, temp_path in staged:
                if os.path.exists(temp_path):
                    os.unlink(temp_path)
        for item in to_fix:
            mode, uid, gid = wanted[item["path"]]
            os.chmod(item["path"], mode)
            set_owner(item["path"], uid, gid)
        for item in to_remove:
            if module.params["backup"]:
                backups.append(module.backup_local(item["path"]))
            os.unlink(item["path"])

    module.exit_json(changed=bool(changed_files), changed_files=changed_files, backup_files=backups, diff=diffs)


if __name__ == "__main__":
    main()
