#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: config_files
short_description: Write several small configuration files and their directories in one call, all or none
version_added: 0.2.0
author:
  - tkj.mailserver developers (@tkj-lab)
description:
  - Makes each file in O(files) have the given content, owner, group and mode, or be absent, and each
    directory exist with its owner, group and mode, in one module call, where M(ansible.builtin.template),
    M(ansible.builtin.copy) or M(ansible.builtin.file) need two or three round trips per file.
    Render the content on the controller with P(ansible.builtin.template#lookup).
  - All or none. Every new content goes to a temporary file beside its target and is checked with
    the file's O(files[].validate) command first. Only when every check passed are the files moved
    into place (each move is atomic). If one check fails, no file is changed, and the directories
    this call created are removed again.
  - Directories (O(files[].state=directory)) are made first, in the order given, so a file or a
    directory of the same call may be inside one.
  - Only what differs is written. A file whose content is the same but whose owner, group or mode
    differs has just those set, the way M(ansible.builtin.file) sets them.
options:
  files:
    description: The files and directories.
    type: list
    elements: dict
    required: true
    suboptions:
      path:
        description:
          - Absolute path of the file or directory. Each path may be given once.
          - Its parent directory must exist, or be an O(files[].state=directory) item of the same call
            (for a directory, one listed before it). Parents are not created.
        type: path
        required: true
      content:
        description:
          - The whole content of the file. Required when O(files[].state=present), refused when
            O(files[].state=directory), ignored when O(files[].state=absent).
        type: str
      state:
        description:
          - V(present) writes the file, V(absent) removes it (a directory is not removed).
          - V(directory) makes sure the directory exists (and is not anything else).
        type: str
        choices: [present, absent, directory]
        default: present
      owner:
        description:
          - Name of the user that should own the file or directory, as would be fed to C(chown); a number is a user ID.
          - When not given, the current owner is kept, and a new file or directory belongs to the user the module runs as.
        type: str
      group:
        description:
          - Name of the group that should own the file or directory, as would be fed to C(chown); a number is a group ID.
          - When not given, the current group is kept, and a new file or directory gets that user's group.
        type: str
      mode:
        description:
          - The permissions of the file or directory, as for M(ansible.builtin.file). Quote an octal mode
            (for example V("0644")) so that it arrives as a string; an unquoted number is taken as it is,
            so YAML's V(0644) works but V(644) is the decimal number 644.
          - May also be a symbolic mode (for example V(u=rw,g=r,o=r) or V(g+w)), applied to the current
            mode.
          - When not given, an existing file or directory keeps its mode; a new file gets V(0644), a new
            directory V(0755), whatever the C(umask). A symbolic mode is applied to these.
        type: raw
      validate:
        description:
          - A command that checks the new content before it is moved into place, with V(%s) where the
            temporary file's path goes, for example V(named-checkconf %s). It runs without a shell.
            Refused when O(files[].state=directory).
        type: str
      secret:
        description:
          - The content is a secret, such as a private key. It is never shown. The diff says only that
            it changes, and the value is masked wherever Ansible would print it.
          - When any item is secret, the action plugin runs the module with C(no_log), so that its
            arguments do not reach the host's journal; changed, the changed files and the diff are
            still shown. A O(files[].validate) command that rejects it fails without quoting its output.
        type: bool
        default: false
        version_added: 0.4.0
      keep:
        description:
          - A regular expression (Python's C(re), matched at the start of a line) for a line the file keeps.
            Where the existing file has a line that matches, the first such line replaces each line of
            O(files[].content) that matches.
          - For a value made once on the host, such as a generated key. The content gives the value a new
            file gets.
        type: str
        version_added: 0.14.0
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - tkj.mailserver.config_file
attributes:
  action:
    support: full
    details: An action plugin runs the module, with C(no_log) on the host when an item is O(files[].secret).
  async:
    support: full
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details: Reports what would change; writes nothing, creates no directory and runs no O(files[].validate) command.
  diff_mode:
    support: full
    details: One diff per file changed or removed and per directory created; a secret file's shows a placeholder.
seealso:
  - module: ansible.builtin.template
  - module: ansible.builtin.copy
  - module: ansible.builtin.file
"""

EXAMPLES = r"""
- name: Write named.conf.options and named.conf.local, each checked by named-checkconf
  tkj.mailserver.config_files:
    files:
      - {path: /etc/bind/named.conf.options, owner: root, group: bind, mode: "0644", validate: named-checkconf %s,
         content: "{{ lookup('ansible.builtin.template', 'etc/bind/named.conf.options.j2') }}"}
      - {path: /etc/bind/named.conf.local, owner: root, group: bind, mode: "0644", validate: named-checkconf %s,
         content: "{{ lookup('ansible.builtin.template', 'etc/bind/named.conf.local.j2') }}"}
  notify: Reload named

- name: Give new users a Maildir (mode 0700, as maildirmake.dovecot makes it) and write a Dovecot file
  tkj.mailserver.config_files:
    files:
      - {path: /etc/skel/Maildir, state: directory, owner: root, group: root, mode: "0700"}
      - {path: /etc/skel/Maildir/cur, state: directory, owner: root, group: root, mode: "0700"}
      - {path: /etc/skel/Maildir/new, state: directory, owner: root, group: root, mode: "0700"}
      - {path: /etc/skel/Maildir/tmp, state: directory, owner: root, group: root, mode: "0700"}
      - path: /etc/dovecot/conf.d/91-tkj-postfix-auth.conf
        content: "{{ lookup('ansible.builtin.template', 'etc/dovecot/conf.d/91-tkj-postfix-auth.conf.j2') }}"
        owner: root
        group: root
        mode: u=rw,go=r

- name: Remove a file that is no longer wanted
  tkj.mailserver.config_files:
    files:
      - path: /etc/dovecot/conf.d/91-tkj-postfix-auth.conf
        state: absent
"""

RETURN = r"""
changed_files:
  description:
    - The files whose content, owner, group or mode changed, or that were removed, and the directories
      that were created or whose owner, group or mode changed (or would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: [/etc/bind/named.conf.local]
files:
  description: One entry per item of O(files), in the same order.
  returned: always
  type: list
  version_added: 0.3.0
  elements: dict
  contains:
    path:
      description: The path of the item.
      returned: always
      type: str
      sample: /etc/skel/Maildir
    state:
      description: The O(files[].state) of the item.
      returned: always
      type: str
      sample: directory
    changed:
      description: Whether the item was (or, in check mode, would be) changed.
      returned: always
      type: bool
      sample: true
  sample:
    - {path: /etc/skel/Maildir, state: directory, changed: true}
    - {path: /etc/dovecot/conf.d/91-tkj-postfix-auth.conf, state: present, changed: false}
backup_files:
  description: The backup copies made, when O(backup=true).
  returned: always
  type: list
  elements: str
  sample: [/etc/bind/named.conf.local.12345.2024-05-01@10:00:00~]
"""

import os
import shlex
import stat

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.tkj.mailserver.plugins.module_utils._errors import InputError
from ansible_collections.tkj.mailserver.plugins.module_utils._file_modes import is_octal
from ansible_collections.tkj.mailserver.plugins.module_utils._files import (
    check_files, file_diff, keep_lines, move_into_place, read_text, stage_file)

# The mode a new file or directory starts with, whatever the umask; a symbolic mode is applied to it.
NEW_FILE_MODE = 0o644
NEW_DIRECTORY_MODE = 0o755
# What the diff shows instead of a secret content.
SECRET_SHOWN_AS = "(secret content, not shown)\n"


def validation_error(module, item, temp_path):
    """Run the item's validate command on ``temp_path``; return why it rejected the content, or None."""
    command = [word.replace("%s", temp_path) for word in shlex.split(item["validate"])]
    rc, out, err = module.run_command(command)
    if rc != 0 and item["secret"]:
        # What the checker printed may quote the secret.
        return "%s rejected it (rc %d); its output is not shown, the content is secret" % (command[0], rc)
    if rc != 0:
        return "%s rejected it (rc %d): %s" % (command[0], rc, (err or out).strip().replace(temp_path, item["path"]))
    return None


def make_directory(module, item):
    """Create the directory of ``item`` with its owner, group and mode; return its path."""
    os.mkdir(item["path"], 0o700)  # mkdir obeys the umask; until its mode is set nobody else may enter it
    if not is_octal(item["mode"]):
        os.chmod(item["path"], NEW_DIRECTORY_MODE)
    module.set_fs_attributes_if_different(module.load_file_common_arguments(item), True)
    return item["path"]


def stage(module, item):
    """Write the new content of ``item`` to a temporary file beside it, with the attributes of the file it
    replaces (or those of a new file) changed as the item asks; return the temporary file's path."""
    if os.path.exists(item["path"]):
        current = os.stat(item["path"])
        temp_path = stage_file(item["path"], item["content"], stat.S_IMODE(current.st_mode), current.st_uid, current.st_gid)
    else:
        temp_path = stage_file(item["path"], item["content"], NEW_FILE_MODE)
    module.set_fs_attributes_if_different(module.load_file_common_arguments(item, path=temp_path), True)
    return temp_path


def main():
    file_spec = dict(
        path=dict(type="path", required=True),
        content=dict(type="str"),
        state=dict(type="str", choices=["present", "absent", "directory"], default="present"),
        owner=dict(type="str"),
        group=dict(type="str"),
        mode=dict(type="raw"),
        validate=dict(type="str"),
        secret=dict(type="bool", default=False),
        keep=dict(type="str", no_log=False),
    )
    module = AnsibleModule(
        argument_spec=dict(
            files=dict(type="list", elements="dict", required=True, options=file_spec),
            backup=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    # A copy: what keep puts in a content is not the caller's argument, and is not shown as one.
    files = [dict(item) for item in module.params["files"]]
    for item in files:
        if item["secret"] and item["content"]:
            module.no_log_values.add(item["content"])
    try:
        check_files(files)
    except InputError as error:
        module.fail_json(msg=str(error))

    # What each item needs, found without changing anything: a new directory, new content, a removal,
    # or (for what exists with the right content) at most its attributes set.
    results = [dict(path=item["path"], state=item["state"], changed=False) for item in files]
    diffs, new_directories, to_write, to_remove, existing = [], [], [], [], []
    for item, result in zip(files, results):
        path = item["path"]
        exists = os.path.lexists(path)
        if item["state"] == "absent":
            if exists:
                to_remove.append(item)
                before = SECRET_SHOWN_AS if item["secret"] else read_text(path) or ""
                diffs.append({"before_header": path, "after_header": path, "before": before, "after": ""})
            result["changed"] = exists
            continue
        if item["state"] == "directory":
            if not exists:
                new_directories.append(item)
                diffs.append({"before": {"path": path, "state": "absent"}, "after": {"path": path, "state": "directory"}})
            result["changed"] = not exists
        else:
            before = read_text(path) if exists else None
            if item["keep"]:
                item["content"] = keep_lines(item["content"], before, item["keep"])
                if item["secret"]:
                    module.no_log_values.add(item["content"])
            if before != item["content"]:
                to_write.append(item)
                if item["secret"]:
                    diffs.append(file_diff(path, None if before is None else SECRET_SHOWN_AS, "(new) " + SECRET_SHOWN_AS))
                else:
                    diffs.append(file_diff(path, before, item["content"]))
            result["changed"] = before != item["content"]
        if not result["changed"]:
            existing.append((item, result))

    backups, staged, created, committed = [], [], [], False
    try:
        if not module.check_mode:
            # Directories first, so that the files of this call can be staged in them; then every new
            # content is staged and validated. Until all of that succeeded, nothing existing has changed.
            for item in new_directories:
                created.append(make_directory(module, item))
            for item in to_write:
                staged.append((item, stage(module, item)))
                if item["validate"]:
                    error = validation_error(module, item, staged[-1][1])
                    if error:
                        module.fail_json(msg="%s: the new content was rejected, no file was changed: %s" % (item["path"], error))
        committed = True
        # In check mode set_fs_attributes_if_different only reports whether the attributes differ.
        for item, result in existing:
            result["changed"] = module.set_fs_attributes_if_different(module.load_file_common_arguments(item), False)
        if not module.check_mode:
            for item, temp_path in staged:
                if module.params["backup"] and os.path.exists(item["path"]):
                    backups.append(module.backup_local(item["path"]))
                move_into_place(module, temp_path, item["path"])
            for item in to_remove:
                if module.params["backup"]:
                    backups.append(module.backup_local(item["path"]))
                os.unlink(item["path"])
    finally:
        for _item, temp_path in staged:
            if os.path.exists(temp_path):
                os.unlink(temp_path)
        if not committed:
            # A rejected content leaves no trace: the directories made for this call go again.
            for path in reversed(created):
                try:
                    os.rmdir(path)
                except OSError:
                    pass

    changed_files = [result["path"] for result in results if result["changed"]]
    module.exit_json(changed=bool(changed_files), changed_files=changed_files, files=results, backup_files=backups, diff=diffs)


if __name__ == "__main__":
    main()
