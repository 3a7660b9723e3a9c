#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: converged_state
short_description: Tell in one call whether a host is still as the last converged run left it
version_added: 0.2.0
author:
  - tkj.mailserver developers (@tkj-lab)
description:
  - Lets a role skip its install, configure and start tasks on a host where nothing has changed
    since the role last converged it, for the cost of one module call instead of one per task.
  - With O(step=record), run at the end of a role after its handlers, it writes a stamp for each
    part (normally one part per role), which holds the part's O(parts[].fingerprint) (the role's
    inputs and code) and what the host looks like, that is the type, mode, owner, group and SHA-256 of every
    file and directory under O(parts[].paths), the installed version of each of
    O(parts[].packages), whether each of O(parts[].services) is active and enabled, the passwd
    and shadow entries of O(parts[].users) and the answers to the debconf questions
    O(parts[].debconf).
  - With O(step=verify), it looks at the host again and compares. A part is converged only if
    its stamp exists, the fingerprint is the same and every observation is the same. New inputs,
    a new version of the collection, a file edited by hand, a stopped service, a removed package
    or a changed password all make the part not converged, and RV(parts.drift) says why; the
    role then runs all its tasks, which put the host right, and records again.
  - Verify only reads. A stamp left by an earlier run cannot claim too much. A run that failed or
    was interrupted after changing the host left files, packages or services that differ from the
    stamp, and new inputs have a new fingerprint.
  - The stamps are JSON files in O(state_dir), one per part, readable by root only. They hold
    checksums, never file contents or password hashes.
  - Neither step changes the configuration of the host, so both report C(changed=false). In check
    mode record writes nothing.
options:
  step:
    description:
      - V(verify) compares the host with the stamps; V(record) writes them.
    type: str
    choices: [verify, record]
    default: verify
  parts:
    description:
      - The parts to verify or record, each with a O(parts[].name) of its own.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - The part's name, also the stamp's file name (V(NAME.json)). Letters, digits, V(_) and V(-).
        type: str
        required: true
      fingerprint:
        description:
          - A checksum of everything the part's tasks are given (variables, templates, the code of
            the role and modules). A stamp recorded with another fingerprint never matches.
        type: str
        required: true
      paths:
        description:
          - Files and directories to observe; a directory is observed with everything under it.
        type: list
        elements: path
        default: []
      packages:
        description: Debian packages whose installed version is observed.
        type: list
        elements: str
        default: []
      services:
        description: systemd services whose active and enabled states are observed.
        type: list
        elements: str
        default: []
      users:
        description: Users whose C(/etc/passwd) and C(/etc/shadow) entries are observed (as a checksum).
        type: list
        elements: str
        default: []
      debconf:
        description: debconf questions (V(owner/name)) whose stored answers are observed.
        type: list
        elements: str
        default: []
  state_dir:
    description:
      - The directory of the stamps. It is created with mode V(0700) when missing.
    type: path
    default: /var/lib/tkj-mailserver
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Verify only reads in any mode; record writes nothing in check mode.
  diff_mode:
    support: none
  platform:
    platforms: debian
notes:
  - The stamp is only as complete as the part's description. The roles of this collection observe
    every file, package, service, user and debconf answer their tasks manage, and their
    fingerprint covers every role variable, the role's files and the collection's plugins.
  - Delete O(state_dir) to make every role run all its tasks on the next run.
seealso:
  - module: ansible.builtin.stat
"""

EXAMPLES = r"""
# In the role's vars/main.yml: what the role manages, and a fingerprint of its inputs.
#   postfix_state_part:
#     name: postfix
#     fingerprint: "{{ [postfix_domain, postfix_hostname] | to_json | hash('sha256') }}"
#     paths: [/etc/postfix, /etc/mailname]
#     packages: [postfix]
#     services: [postfix]
#     debconf: [postfix/mailname]

- name: Compare the host with what the last converged run of the role left
  tkj.mailserver.converged_state:
    parts: ["{{ postfix_state_part }}"]
  register: postfix_state

- name: Install and configure Postfix unless the host is as the last run left it
  ansible.builtin.include_tasks: converge.yml
  when: not postfix_state.converged

# At the end of converge.yml, after the handlers:
- name: Record what the converged run left
  tkj.mailserver.converged_state:
    step: record
    parts: ["{{ postfix_state_part }}"]
"""

RETURN = r"""
converged:
  description: Whether every part is converged; V(true) after O(step=record).
  returned: always
  type: bool
  sample: true
parts:
  description: Per part name, the outcome.
  returned: always
  type: dict
  contains:
    converged:
      description: Whether the host is as the part's last recorded run left it.
      returned: always
      type: bool
    drift:
      description: Why the part is not converged; empty when it is, and for O(step=record).
      returned: always
      type: list
      elements: str
      sample: ["/etc/postfix/main.cf: content changed", "service postfix: ActiveState active -> inactive"]
    fingerprint:
      description: The fingerprint given for the part.
      returned: always
      type: str
  sample:
    postfix: {converged: false, drift: ["no stamp: the part has not been recorded on this host"], fingerprint: 9f2c...}
"""

import hashlib
import json
import os
import re
import stat

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.tkj.mailserver.plugins.module_utils._debconf import read_database
from ansible_collections.tkj.mailserver.plugins.module_utils._files import read_text, write_atomically

PART_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
DPKG_STATUS = "/var/lib/dpkg/status"
DEBCONF_CONFIG = "/var/cache/debconf/config.dat"
PASSWD = "/etc/passwd"
SHADOW = "/etc/shadow"
SERVICE_PROPERTIES = ["ActiveState", "UnitFileState"]
# At most this many differences are listed per part; the rest are counted.
DRIFT_SHOWN = 10


def sha256_of_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(65536), b""):
            digest.update(block)
    return digest.hexdigest()


def describe_entry(path):
    """One line for a file system entry: its type, mode, owner, group and, for a file, content."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return "absent"
    owner = "%04o %d:%d" % (stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid)
    if stat.S_ISLNK(info.st_mode):
        return "link -> %s" % os.readlink(path)
    if stat.S_ISDIR(info.st_mode):
        return "directory %s" % owner
    if stat.S_ISREG(info.st_mode):
        return "file %s sha256:%s" % (owner, sha256_of_file(path))
    return "special %s" % owner


def observe_paths(paths):
    """{path: description} for each path and, for a directory, everything under it."""
    seen = {}
    for top in paths:
        seen[top] = describe_entry(top)
        if not seen[top].startswith("directory"):
            continue
        for directory, subdirectories, files in os.walk(top):
            subdirectories.sort()
            for name in subdirectories + sorted(files):
                path = os.path.join(directory, name)
                seen[path] = describe_entry(path)
    return seen


def installed_versions(status_text):
    """{package: version} of the packages dpkg's status file lists as installed."""
    versions = {}
    for stanza in status_text.split("\n\n"):
        fields = {}
        for line in stanza.split("\n"):
            if line and not line[0].isspace():
                key, _colon, value = line.partition(":")
                fields[key] = value.strip()
        if fields.get("Status", "").endswith(" installed") and "Package" in fields:
            versions.setdefault(fields["Package"], fields.get("Version"))
    return versions


def observe_packages(names):
    if not names:
        return {}
    versions = installed_versions(read_text(DPKG_STATUS) or "")
    return dict((name, versions.get(name, "absent")) for name in names)


def observe_services(module, names):
    """{service: "ActiveState UnitFileState"} from one systemctl call."""
    if not names:
        return {}
    systemctl = module.get_bin_path("systemctl")
    if systemctl is None:
        return dict((name, "no systemctl") for name in names)
    command = [systemctl, "show", "--property=" + ",".join(SERVICE_PROPERTIES), "--"] + [name + ".service" for name in names]
    rc, out, err = module.run_command(command, environ_update={"LC_ALL": "C"})
    if rc != 0:
        return dict((name, "systemctl failed: %s" % err.strip()) for name in names)
    blocks = out.strip("\n").split("\n\n")
    states = {}
    for name, block in zip(names, blocks + [""] * (len(names) - len(blocks))):
        fields = dict(line.partition("=")[::2] for line in block.splitlines())
        states[name] = " ".join("%s=%s" % (key, fields.get(key, "")) for key in SERVICE_PROPERTIES)
    return states


def entries_by_name(text):
    entries = {}
    for line in (text or "").splitlines():
        entries.setdefault(line.split(":", 1)[0], line)
    return entries


def observe_users(names):
    """{user: checksum of the passwd and shadow lines} ("absent" for a user that does not exist)."""
    if not names:
        return {}
    passwd = entries_by_name(read_text(PASSWD))
    shadow = entries_by_name(read_text(SHADOW))
    seen = {}
    for name in names:
        if name not in passwd:
            seen[name] = "absent"
        else:
            seen[name] = hashlib.sha256(("%s\n%s" % (passwd[name], shadow.get(name, ""))).encode("utf-8")).hexdigest()
    return seen


def observe_debconf(questions):
    if not questions:
        return {}
    answers = read_database(DEBCONF_CONFIG)
    return dict((question, answers.get(question)) for question in questions)


def observe(module, part):
    return {
        "paths": observe_paths(part["paths"]),
        "packages": observe_packages(part["packages"]),
        "services": observe_services(module, part["services"]),
        "users": observe_users(part["users"]),
        "debconf": observe_debconf(part["debconf"]),
    }


def stamp_path(state_dir, name):
    return os.path.join(state_dir, name + ".json")


def read_stamp(path):
    """The stamp at ``path`` as a dict, or an explanation (str) of why there is none."""
    text = read_text(path)
    if text is None:
        return "no stamp: the part has not been recorded on this host"
    try:
        stamp = json.loads(text)
    except ValueError:
        return "%s is not a stamp (not JSON): it is replaced by the next record" % path
    if not isinstance(stamp, dict) or not isinstance(stamp.get("observed"), dict):
        return "%s is not a stamp: it is replaced by the next record" % path
    return stamp


def path_change(before, after):
    if before is None:
        return "added"
    if after == "absent":
        return "removed"
    if before.split(" ", 1)[0] != after.split(" ", 1)[0]:
        return "%s became %s" % (before.split(" ", 1)[0], after.split(" ", 1)[0])
    if before.rsplit(" ", 1)[-1] != after.rsplit(" ", 1)[-1] and before.startswith("file"):
        return "content changed" if before.split(" ")[1:3] == after.split(" ")[1:3] else "content, mode or owner changed"
    return "mode or owner changed"


def differences(recorded, now):
    """Human-readable differences between two observations."""
    found = []
    before_paths, after_paths = recorded.get("paths", {}), now["paths"]
    for path in sorted(set(before_paths) | set(after_paths)):
        before, after = before_paths.get(path), after_paths.get(path, "absent")
        if before != after and not (before is None and after == "absent"):
            found.append("%s: %s" % (path, path_change(before, after)))
    labels = {"packages": "package", "services": "service", "users": "user", "debconf": "debconf answer"}
    for kind, label in labels.items():
        before_items, after_items = recorded.get(kind, {}), now[kind]
        for name in sorted(set(before_items) | set(after_items)):
            before, after = before_items.get(name, "not observed"), after_items.get(name, "not observed")
            if before == after:
                continue
            if kind in ("users", "debconf"):
                # Checksums and answers (the mail name, say) are not repeated in the output.
                found.append("%s %s: changed" % (label, name))
            else:
                found.append("%s %s: %s -> %s" % (label, name, before, after))
    return found


def verify(module, part, state_dir):
    stamp = read_stamp(stamp_path(state_dir, part["name"]))
    if isinstance(stamp, str):
        return [stamp]
    drift = []
    if stamp.get("fingerprint") != part["fingerprint"]:
        drift.append("the inputs or the code of the part changed since it was recorded")
    drift.extend(differences(stamp["observed"], observe(module, part)))
    if len(drift) > DRIFT_SHOWN:
        drift = drift[:DRIFT_SHOWN] + ["... and %d more" % (len(drift) - DRIFT_SHOWN)]
    return drift


def record(module, part, state_dir):
    stamp = {"part": part["name"], "fingerprint": part["fingerprint"], "observed": observe(module, part)}
    text = json.dumps(stamp, indent=1, sort_keys=True) + "\n"
    path = stamp_path(state_dir, part["name"])
    if read_text(path) != text:
        write_atomically(module, path, text, mode=0o600)


def validate_parts(module, parts):
    names = [part["name"] for part in parts]
    for index, part in enumerate(parts):
        if not PART_NAME.match(part["name"]):
            module.fail_json(msg="parts[%d].name %r: use letters, digits, _ and - only (it names the stamp file)" % (index, part["name"]))
        if not part["fingerprint"].strip():
            module.fail_json(msg="parts[%d] (%s): fingerprint is empty; give a checksum of the part's inputs" % (index, part["name"]))
        if names.count(part["name"]) > 1:
            module.fail_json(msg="parts[%d]: the name %r is given twice" % (index, part["name"]))
        for path in part["paths"]:
            if not os.path.isabs(path):
                module.fail_json(msg="parts[%d] (%s): paths must be absolute, not %r" % (index, part["name"], path))


def main():
    part_spec = dict(
        name=dict(type="str", required=True),
        fingerprint=dict(type="str", required=True),
        paths=dict(type="list", elements="path", default=[]),
        packages=dict(type="list", elements="str", default=[]),
        services=dict(type="list", elements="str", default=[]),
        users=dict(type="list", elements="str", default=[]),
        debconf=dict(type="list", elements="str", default=[]),
    )
    module = AnsibleModule(
        argument_spec=dict(
            step=dict(type="str", choices=["verify", "record"], default="verify"),
            parts=dict(type="list", elements="dict", required=True, options=part_spec),
            state_dir=dict(type="path", default="/var/lib/tkj-mailserver"),
        ),
        supports_check_mode=True,
    )
    parts = module.params["parts"]
    state_dir = module.params["state_dir"]
    validate_parts(module, parts)

    outcome = {}
    if module.params["step"] == "verify":
        for part in parts:
            drift = verify(module, part, state_dir)
            outcome[part["name"]] = {"converged": not drift, "drift": drift, "fingerprint": part["fingerprint"]}
        module.exit_json(changed=False, converged=all(item["converged"] for item in outcome.values()), parts=outcome)

    if not module.check_mode:
        if not os.path.isdir(state_dir):
            os.makedirs(state_dir, mode=0o700)
        for part in parts:
            record(module, part, state_dir)
    for part in parts:
        outcome[part["name"]] = {"converged": True, "drift": [], "fingerprint": part["fingerprint"]}
    module.exit_json(changed=False, converged=True, parts=outcome)


if __name__ == "__main__":
    main()
