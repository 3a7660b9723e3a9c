#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: bind_zone
short_description: Write BIND zone files from structured records
version_added: 0.1.0
author:
  - tkj.mailserver developers (@tkj-lab)
description:
  - Renders complete BIND zone files (C($ORIGIN), C($TTL), SOA, then the records) from lists of structured records
    and writes each only when its content differs from the file on disk.
  - Every record of every zone is checked before anything is written (names, addresses, MX priorities, CNAMEs, duplicates).
  - The SOA serial has the form C(YYYYMMDDnn). It is kept when nothing but the serial would change; otherwise the new
    serial is the larger of today's C(YYYYMMDD00) and the old serial plus one. Each zone has its own serial.
  - Each new zone file is checked with C(named-checkzone) before any zone file is replaced; when C(named-checkzone)
    rejects one zone, every zone file on disk stays byte-identical and the module fails with the zone's name and
    C(named-checkzone)'s output.
  - A zone file whose content is right but whose owner, group, mode or SELinux context differs only gets those fixed.
  - The module does not reload C(named) and does not touch C(named.conf); notify a handler that runs C(rndc reload) or
    restarts C(named).
notes:
  - C(named-checkzone) comes from the Debian package C(bind9-utils), a dependency of C(bind9) on Debian 12 and 13.
    It is looked up only when a file has to be written, so check mode works before BIND is installed.
  - The default O(group=bind) exists only once the C(bind9) package is installed.
  - When the two-digit counter C(nn) passes 99 on one day the serial simply keeps growing (C(2025112699) is followed by
    C(2025112700)); it stays larger than every earlier serial, which is all secondaries need.
  - In check mode C(named-checkzone) is not run (nothing is written for it to check); the module's own record checks are.
  - Today's date is the local date of the managed host.
  - A file that was not written by this module is replaced by the rendered one; its serial is still read, so the new
    serial is larger than the old one.
  - Record names are written relative to the zone (C(@) for the apex), the zone's NS records at the apex come first, then
    the other records in the order given.
  - Zone files are always replaced atomically; O(unsafe_writes) is accepted but has no effect.
  - Version 0.1.0 took one zone as top-level C(zone), C(path), C(records), C(ttl) and C(soa); give a one-item O(zones).
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.files
  - tkj.mailserver.config_file
options:
  zones:
    description:
      - The zones to write. All are checked and rendered, and every changed one is checked with C(named-checkzone),
        before any zone file is written; when one zone is rejected, no file changes and the message names that zone.
      - O(owner), O(group), O(mode), O(backup) and the other file options apply to every zone file. An empty list writes nothing.
    type: list
    elements: dict
    required: true
    version_added: 0.3.0
    suboptions:
      zone:
        description:
          - Name of the zone, for example V(nida.com) or V(26.26.26.in-addr.arpa). A trailing dot is optional.
        type: str
        required: true
      path:
        description:
          - Path of the zone file, for example V(/var/lib/bind/db.nida.com). Its directory must exist; zones cannot share a file.
        type: path
        required: true
      ttl:
        description:
          - Default TTL of the zone in seconds, written as C($TTL).
        type: int
        default: 3600
      soa:
        description:
          - SOA record fields. The serial is managed by the module.
        type: dict
        default: {}
        suboptions:
          primary_ns:
            description:
              - Primary name server (SOA MNAME), relative to the zone or absolute with a trailing dot.
              - Defaults to the value of the first NS record at the zone apex.
            type: str
          hostmaster:
            description:
              - Mailbox of the person responsible for the zone (SOA RNAME).
              - Either an e-mail address such as V(hostmaster@nida.com), converted to DNS form (dots in the local part escaped),
                or a domain name in DNS form, relative to the zone or absolute with a trailing dot.
              - Defaults to C(hostmaster.<zone>.).
            type: str
          refresh:
            description:
              - Seconds after which secondaries check the primary for a new serial.
            type: int
            default: 3600
          retry:
            description:
              - Seconds a secondary waits before retrying a failed refresh.
            type: int
            default: 900
          expire:
            description:
              - Seconds after which a secondary that cannot reach the primary stops answering for the zone.
            type: int
            default: 1209600
          minimum:
            description:
              - Negative caching TTL in seconds (how long resolvers remember that a name does not exist).
            type: int
            default: 300
      records:
        description:
          - Records of the zone, without the SOA record. At least one NS record at the apex is needed.
        type: list
        elements: dict
        required: true
        suboptions:
          name:
            description:
              - Owner name, relative to the zone (V(mail), V(@) for the apex, V(*.lab) for a wildcard, V(_dmarc)) or
                absolute inside the zone with a trailing dot (V(mail.nida.com.)).
              - Labels starting with an underscore are accepted for TXT and SRV records only.
            type: str
            default: '@'
          type:
            description:
              - Record type.
            type: str
            required: true
            choices: [A, AAAA, MX, NS, CNAME, TXT, PTR, SRV]
          value:
            description:
              - Record data. V(A) an IPv4 address, V(AAAA) an IPv6 address, V(MX), V(NS) and V(CNAME) a host name
                (relative to the zone or absolute with a trailing dot), V(PTR) an absolute host name with a trailing dot.
              - V(TXT) the plain text without surrounding quotes; the module quotes and escapes it and splits text
                longer than 255 bytes into several strings.
              - V(SRV) C(weight port target), for example V(0 587 mail.nida.com.).
            type: str
            required: true
          priority:
            description:
              - MX preference or SRV priority, 0 to 65535; required for V(MX) and V(SRV) records and refused for other types.
            type: int
          ttl:
            description:
              - TTL of this record in seconds; the zone's O(zones[].ttl) when not set.
            type: int
  owner:
    description:
      - Owner of the zone files (name or uid).
    type: str
    default: root
  group:
    description:
      - Group of the zone files (name or gid). The group V(bind) lets C(named) read the files.
    type: str
    default: bind
  mode:
    description:
      - Permissions of the zone files, octal as a quoted string (V('0644')) or symbolic (V(u=rw,g=r,o=r)).
    type: raw
    default: '0644'
"""

EXAMPLES = r"""
- name: Forward zone of the lab domain
  tkj.mailserver.bind_zone:
    zones:
      - zone: nida.com
        path: /var/lib/bind/db.nida.com
        soa:
          hostmaster: hostmaster@nida.com
        records:
          - {type: NS, value: ns1}
          - {name: ns1, type: A, value: 26.26.26.26}
          - {name: mail, type: A, value: 26.26.26.26}
          - {type: MX, priority: 10, value: mail}
          - {type: TXT, value: "v=spf1 mx -all"}
          - {name: _dmarc, type: TXT, value: "v=DMARC1; p=none"}
          - {name: _submission._tcp, type: SRV, priority: 0, value: "1 587 mail.nida.com."}
          - {name: imap, type: CNAME, value: mail}
  notify: Reload named

- name: Forward and reverse zone in one call, all or none, keeping a copy of each replaced file
  tkj.mailserver.bind_zone:
    zones:
      - zone: nida.com
        path: /var/lib/bind/db.nida.com
        records:
          - {type: NS, value: ns1}
          - {name: ns1, type: A, value: 26.26.26.26}
      - zone: 26.26.26.in-addr.arpa
        path: /var/lib/bind/db.26.26.26.in-addr.arpa
        soa:
          primary_ns: ns1.nida.com.
          hostmaster: hostmaster@nida.com
        records:
          - {type: NS, value: ns1.nida.com.}
          - {name: "26", type: PTR, value: ns1.nida.com.}
    owner: root
    group: bind
    mode: "0644"
    backup: true
  notify: Reload named
"""

RETURN = r"""
zones:
  description: One result for each entry of O(zones), in the same order.
  returned: success
  type: list
  elements: dict
  version_added: 0.3.0
  contains:
    zone:
      description: Name of the zone, in lower case without trailing dot.
      type: str
      sample: nida.com
    path:
      description: Path of the zone file.
      type: str
      sample: /var/lib/bind/db.nida.com
    changed:
      description: Whether the content or the attributes of this zone file changed (would change, in check mode).
      type: bool
      sample: true
    serial:
      description: SOA serial of this zone file after the run (the serial it would get, in check mode).
      type: int
      sample: 2025112601
    previous_serial:
      description: SOA serial read from this file before the run; null when there was no file or no SOA serial in it.
      type: int
      sample: 2025112600
    records:
      description: Number of records written to this file, without the SOA record.
      type: int
      sample: 6
    backup_file:
      description: Name of the backup copy of the old file; only when O(backup=true) and the file was replaced.
      type: str
      sample: /var/lib/bind/db.nida.com.12345.2025-11-26@16:02:03~
diff:
  description:
    - The old and new text of each zone file whose content changes, and for each existing zone file whose owner, group
      or mode change an entry with their old and new values (after the text entry of that file, if any).
  returned: in diff mode
  type: list
  elements: dict
  sample:
    - before_header: /var/lib/bind/db.nida.com
      after_header: /var/lib/bind/db.nida.com
      before: ''
      after: "; Managed by Ansible (tkj.mailserver.bind_zone). Local changes are overwritten.\n$ORIGIN nida.com.\n..."
"""

import grp
import os
import pwd

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.tkj.mailserver.plugins.module_utils._errors import InputError
from ansible_collections.tkj.mailserver.plugins.module_utils._files import file_diff, move_into_place, read_text, stage_file
from ansible_collections.tkj.mailserver.plugins.module_utils._zone import plan_serial, today, zone_text

# The options of one entry of O(zones); the defaults are the ones DOCUMENTATION gives.
RECORD_SPEC = dict(name=dict(type="str", default="@"), value=dict(type="str", required=True), priority=dict(type="int"), ttl=dict(type="int"),
                   type=dict(type="str", required=True, choices=["A", "AAAA", "MX", "NS", "CNAME", "TXT", "PTR", "SRV"]))
SOA_SPEC = dict(primary_ns=dict(type="str"), hostmaster=dict(type="str"), refresh=dict(type="int", default=3600),
                retry=dict(type="int", default=900), expire=dict(type="int", default=1209600), minimum=dict(type="int", default=300))
ZONE_SPEC = dict(zone=dict(type="str", required=True), path=dict(type="path", required=True), ttl=dict(type="int", default=3600),
                 soa=dict(type="dict", default={}, options=SOA_SPEC), records=dict(type="list", elements="dict", required=True, options=RECORD_SPEC))


def plan_zones(module, specs):
    """Check and render every zone before anything is written; fail naming the zone and the option.

    Returns one plan a zone: its name, path, old and new text, whether the content changes, serials and record count."""
    plans = []
    seen = {}
    for index, spec in enumerate(specs):
        where = "zones[%d] (%s): " % (index, spec["zone"])
        path = spec["path"]
        key = os.path.abspath(path)
        if key in seen:
            module.fail_json(msg="%spath %s is also the path of zones[%d]; give each zone its own file" % (where, path, seen[key]))
        seen[key] = index
        try:
            zone, text, count = zone_text(spec["zone"], spec["ttl"], spec["soa"], spec["records"])
            before = read_text(path)
            changed, serial, previous_serial, after = plan_serial(before, text, today(), path)
        except InputError as error:
            module.fail_json(msg=where + str(error))
        plans.append(dict(where=where, zone=zone, path=path, before=before, after=after, content_changed=changed,
                          serial=serial, previous_serial=previous_serial, records=count))
    return plans


def check_owner_and_group(module, owner, group):
    """Fail before any file is written when the owner or group name does not exist on the host (the file attribute
    functions would only find out after the first file was replaced)."""
    if owner is not None and not owner.isdigit():
        try:
            pwd.getpwnam(owner)
        except KeyError:
            module.fail_json(msg="owner %r is not a user on this host; expected an existing user name or uid" % owner)
    if group is not None and not group.isdigit():
        try:
            grp.getgrnam(group)
        except KeyError:
            module.fail_json(msg="group %r is not a group on this host (install bind9 first, or set group); expected an existing group name or gid" % group)


def check_zone(module, named_checkzone, plan, temp_path):
    """Run ``named-checkzone ZONE TEMP_FILE``; fail naming the zone when it rejects the file, otherwise turn its
    warnings into module warnings."""
    rc, out, err = module.run_command([named_checkzone, plan["zone"], temp_path])
    output = "\n".join(part.strip() for part in (out, err) if part.strip())
    if rc != 0:
        module.fail_json(msg="%s%s: the new content was rejected, the file is unchanged: named-checkzone: %s; no zone file was changed"
                         % (plan["where"], plan["path"], output))
    for line in output.splitlines():
        if line != "OK" and ": loaded serial " not in line:
            module.warn("named-checkzone: %s" % line)


def write_zones(module, plans):
    """Stage every changed zone file beside its target and check it with named-checkzone; only when all pass, move
    them into place (after a backup, if asked), so that one rejected zone leaves every zone file as it was."""
    pending = [plan for plan in plans if plan["content_changed"]]
    for plan in pending:
        if not os.path.isdir(os.path.dirname(plan["path"]) or "."):
            module.fail_json(msg="%sthe directory of %s does not exist; create it first" % (plan["where"], plan["path"]))
    named_checkzone = module.get_bin_path("named-checkzone", required=True)
    staged = []
    try:
        for plan in pending:
            # Like write_atomically: an existing file keeps its attributes until set_fs_attributes_if_different.
            if os.path.exists(plan["path"]):
                current = os.stat(plan["path"])
                staged.append(stage_file(plan["path"], plan["after"], current.st_mode & 0o7777, current.st_uid, current.st_gid))
            else:
                staged.append(stage_file(plan["path"], plan["after"], 0o644))
            check_zone(module, named_checkzone, plan, staged[-1])
        for plan, temp_path in zip(pending, staged):
            if module.params["backup"] and os.path.exists(plan["path"]):
                plan["backup_file"] = module.backup_local(plan["path"])
            move_into_place(module, temp_path, plan["path"])
    finally:
        for temp_path in staged:
            if os.path.exists(temp_path):
                os.unlink(temp_path)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            zones=dict(type="list", elements="dict", required=True, options=ZONE_SPEC),
            owner=dict(type="str", default="root"),
            group=dict(type="str", default="bind"),
            mode=dict(type="raw", default="0644"),
            backup=dict(type="bool", default=False),
        ),
        add_file_common_args=True,
        supports_check_mode=True,
    )
    params = module.params
    plans = plan_zones(module, params["zones"])

    if not module.check_mode and plans:
        check_owner_and_group(module, params["owner"], params["group"])
        if any(plan["content_changed"] for plan in plans):
            write_zones(module, plans)

    results = []
    diffs = []
    for plan in plans:
        # Content first, then owner, group, mode and SELinux context, the standard way (a no-op in check mode).
        attribute_diff = dict(before={}, after={})
        file_args = module.load_file_common_arguments(params, path=plan["path"])
        attributes_changed = module.set_fs_attributes_if_different(file_args, False, attribute_diff)
        result = dict(zone=plan["zone"], path=plan["path"], changed=plan["content_changed"] or attributes_changed,
                      serial=plan["serial"], previous_serial=plan["previous_serial"], records=plan["records"])
        if plan.get("backup_file"):
            result["backup_file"] = plan["backup_file"]
        results.append(result)
        if plan["content_changed"]:
            diffs.append(file_diff(plan["path"], plan["before"], plan["after"]))
        if plan["before"] is not None and attribute_diff["before"]:
            diffs.append(dict(before_header=plan["path"] + " (attributes)", after_header=plan["path"] + " (attributes)", **attribute_diff))

    output = dict(changed=any(result["changed"] for result in results), zones=results)
    if module._diff:
        output["diff"] = diffs
    module.exit_json(**output)


if __name__ == "__main__":
    main()
