#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: bind_zone
short_description: Write a BIND zone file from structured records
version_added: 0.1.0
author:
  - tkj.mailserver developers (@tkj-lab)
description:
  - Renders a complete BIND zone file (C($ORIGIN), C($TTL), SOA, then the records) from a list of structured records
    and writes it only when its content differs from the file on disk.
  - Every record is checked before anything is written (addresses, names, MX priorities, CNAME conflicts, duplicates).
  - The SOA serial has the form C(YYYYMMDDnn). It is kept when nothing but the serial would change; otherwise the new
    serial is the larger of today's C(YYYYMMDD00) and the old serial plus one.
  - The new file is checked with C(named-checkzone) before it atomically replaces the old one; when C(named-checkzone)
    rejects it, the file on disk stays byte-identical and the module fails with C(named-checkzone)'s output.
  - The module does not reload C(named) and does not touch C(named.conf); notify a handler that runs C(rndc reload) or
    restarts C(named).
notes:
  - C(named-checkzone) comes from the Debian package C(bind9-utils), a dependency of C(bind9) on Debian 12 and 13.
    It is looked up only when the file has to be written, so check mode works before BIND is installed.
  - The default O(group=bind) exists only once the C(bind9) package is installed.
  - When the two-digit counter C(nn) passes 99 on one day the serial simply keeps growing (C(2025112699) is followed by
    C(2025112700)); it stays larger than every earlier serial, which is all secondaries need.
  - In check mode C(named-checkzone) is not run (nothing is written for it to check); the module's own record checks are.
  - Today's date is the local date of the managed host.
  - A file that was not written by this module is replaced by the rendered one; its serial is still read, so the new
    serial is larger than the old one.
  - Record names are written relative to the zone (C(@) for the apex), the zone's NS records at the apex come first, then
    the other records in the order given.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: debian
options:
  zone:
    description:
      - Name of the zone, for example V(nida.com) or V(26.26.26.in-addr.arpa). A trailing dot is optional.
    type: str
    required: true
  path:
    description:
      - Path of the zone file, for example V(/var/lib/bind/db.nida.com). Its directory must exist.
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
          - Either an e-mail address such as V(hostmaster@nida.com), which is converted to DNS form (dots in the local
            part are escaped), or a domain name in DNS form, relative to the zone or absolute with a trailing dot.
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
          - Owner name, relative to the zone (V(mail), V(@) for the apex, V(*.lab) for a wildcard, V(_dmarc)) or absolute
            inside the zone with a trailing dot (V(mail.nida.com.)).
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
          - Record data. V(A) an IPv4 address, V(AAAA) an IPv6 address, V(MX), V(NS) and V(CNAME) a host name (relative
            to the zone or absolute with a trailing dot), V(PTR) an absolute host name with a trailing dot.
          - V(TXT) the plain text without surrounding quotes; the module quotes and escapes it and splits text longer
            than 255 bytes into several strings.
          - V(SRV) C(weight port target), for example V(0 587 mail.nida.com.).
        type: str
        required: true
      priority:
        description:
          - Preference of an MX record or priority of an SRV record, 0 to 65535. Required for V(MX) and V(SRV), not
            accepted for other types.
        type: int
      ttl:
        description:
          - TTL of this record in seconds; the zone's O(ttl) when not set.
        type: int
  owner:
    description:
      - Owner of the zone file (name or uid).
    type: str
    default: root
  group:
    description:
      - Group of the zone file (name or gid). The group V(bind) lets C(named) read the file.
    type: str
    default: bind
  mode:
    description:
      - Permissions of the zone file, octal as a quoted string (V('0644')) or symbolic (V(u=rw,g=r,o=r)).
    type: raw
    default: '0644'
  backup:
    description:
      - Keep a time-stamped copy of the old file when it is replaced.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Forward zone of the lab domain
  tkj.mailserver.bind_zone:
    zone: nida.com
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

- name: Reverse zone for 26.26.26.0/24
  tkj.mailserver.bind_zone:
    zone: 26.26.26.in-addr.arpa
    path: /var/lib/bind/db.26.26.26
    soa:
      primary_ns: ns1.nida.com.
      hostmaster: hostmaster@nida.com
    records:
      - {type: NS, value: ns1.nida.com.}
      - {name: "26", type: PTR, value: mail.nida.com.}
    backup: true
  notify: Reload named
"""

RETURN = r"""
serial:
  description: SOA serial of the zone file after the run (the serial it would get, in check mode).
  returned: always
  type: int
  sample: 2025112601
previous_serial:
  description: SOA serial read from the file before the run; null when there was no file or no SOA serial in it.
  returned: always
  type: int
  sample: 2025112600
records:
  description: Number of records written, without the SOA record.
  returned: always
  type: int
  sample: 6
backup_file:
  description: Name of the backup copy of the old file.
  returned: when O(backup=true) and the file was replaced
  type: str
  sample: /var/lib/bind/db.nida.com.12345.2025-11-26@16:02:03~
diff:
  description:
    - The old and new text of the zone file, followed by an entry with the old and new owner, group and mode when
      those of an existing file change.
  returned: in diff mode
  type: list
  elements: dict
  sample:
    - before_header: /var/lib/bind/db.nida.com
      after_header: /var/lib/bind/db.nida.com
      before: ''
      after: "; Managed by Ansible (tkj.mailserver.bind_zone). Local changes are overwritten.\n$ORIGIN nida.com.\n..."
"""

import datetime
import grp
import ipaddress
import os
import pwd
import re

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.tkj.mailserver.plugins.module_utils._files import file_diff, read_text, write_atomically

HEADER = "; Managed by Ansible (tkj.mailserver.bind_zone). Local changes are overwritten."
SERIAL_MARK = "<serial>"
MAX_SERIAL = 4294967295
MAX_TTL = 2147483647
TXT_CHUNK_BYTES = 255
HOST_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", re.IGNORECASE)
UNDERSCORE_LABEL = re.compile(r"^_[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", re.IGNORECASE)
MAILBOX_LOCAL_PART = re.compile(r"^[a-z0-9._+-]+$", re.IGNORECASE)
SOA_SERIAL = re.compile(r"\bSOA\s+\S+\s+\S+\s*\(?\s*(\d+)", re.IGNORECASE)
TARGET_TYPES = ("MX", "NS", "CNAME", "PTR")
PRIORITY_TYPES = ("MX", "SRV")
UNDERSCORE_OWNER_TYPES = ("TXT", "SRV")


def today():
    """Today's date on the managed host; the date part of new serials (tests replace this function)."""
    return datetime.date.today()


class ZoneError(Exception):
    """A record or option that cannot go into the zone; the message says what is expected."""


def describe(index, record):
    """How error messages name a record: its index, name and type."""
    return "records[%d] (%s %s)" % (index, record["name"], record["type"])


def split_labels(name):
    """The labels of a name without its trailing dot."""
    return name.rstrip(".").split(".")


def check_labels(labels, what, allow_wildcard=False, allow_underscore=False):
    """Raise ZoneError unless every label is a host name label (RFC 1123), or one of the allowed extras."""
    for position, label in enumerate(labels):
        if HOST_LABEL.match(label):
            continue
        if allow_wildcard and position == 0 and label == "*":
            continue
        if allow_underscore and UNDERSCORE_LABEL.match(label):
            continue
        extras = []
        if allow_wildcard:
            extras.append("'*' as the first label")
        if allow_underscore:
            extras.append("labels like '_dmarc'")
        raise ZoneError(
            "%s has an invalid label %r; expected letters, digits and inner hyphens, at most 63 characters%s"
            % (what, label, " (or " + " or ".join(extras) + ")" if extras else "")
        )


def absolute_name(name, zone, what, allow_wildcard=False, allow_underscore=False):
    """The absolute lower-case form (without trailing dot) of a relative or absolute ``name`` inside or outside ``zone``.

    Raises ZoneError for invalid labels and for a relative name that repeats the zone name (a missing trailing dot)."""
    if name == "@":
        return zone
    if name.endswith("."):
        full = name[:-1].lower()
    else:
        lowered = name.lower()
        if lowered == zone or lowered.endswith("." + zone):
            raise ZoneError(
                "%s %r is relative, so it means %s.%s.; write %r or %r"
                % (what, name, name, zone, relative_to_zone(lowered, zone), name + ".")
            )
        full = lowered + "." + zone
    if not name.rstrip(".") or ".." in name:
        raise ZoneError("%s %r is not a valid name; expected labels separated by single dots" % (what, name))
    check_labels(split_labels(name), "%s %r" % (what, name), allow_wildcard, allow_underscore)
    if len(full) > 253:
        raise ZoneError("%s %r is %d characters long as %s.; expected at most 253" % (what, name, len(full), full))
    return full


def relative_to_zone(full, zone):
    """``full`` (absolute, inside ``zone``) written relative to the zone: '@' for the apex."""
    if full == zone:
        return "@"
    return full[: -len(zone) - 1]


def normalize_zone(zone):
    """The zone name in lower case without trailing dot; raises ZoneError when it is not a domain name."""
    name = zone.strip().lower()
    if name.endswith("."):
        name = name[:-1]
    if not name or ".." in name:
        raise ZoneError("zone %r is not a domain name; expected for example 'nida.com' or '26.26.26.in-addr.arpa'" % zone)
    check_labels(name.split("."), "zone %r" % zone)
    return name


def check_range(value, what, low, high):
    """Raise ZoneError unless ``low <= value <= high``."""
    if value is not None and not low <= value <= high:
        raise ZoneError("%s is %d; expected a number from %d to %d" % (what, value, low, high))


def quote_txt(text):
    """TXT record data: the UTF-8 text in quoted strings of at most 255 bytes each, with quotes, backslashes and
    non-printable bytes escaped."""
    data = text.encode("utf-8")
    chunks = [data[start:start + TXT_CHUNK_BYTES] for start in range(0, len(data), TXT_CHUNK_BYTES)] or [b""]
    quoted = []
    for chunk in chunks:
        characters = []
        for byte in chunk:
            if byte in (0x22, 0x5C):
                characters.append("\\" + chr(byte))
            elif 0x20 <= byte < 0x7F:
                characters.append(chr(byte))
            else:
                characters.append("\\%03d" % byte)
        quoted.append('"' + "".join(characters) + '"')
    return " ".join(quoted)


def check_target(value, zone, what, rtype):
    """The absolute form of a host name target of an MX, NS, CNAME or PTR record; PTR targets must be absolute."""
    if rtype == "PTR" and not value.endswith("."):
        raise ZoneError(
            "%s %r must be an absolute host name with a trailing dot, such as %r (a relative name would be read as %s.%s.)"
            % (what, value, value + ".", value, zone)
        )
    return absolute_name(value, zone, what)


def check_record(index, record, zone):
    """Check one record and return ``(owner, rdata, key)``: the owner written relative to the zone, the record data as
    written in the file, and a canonical key that finds duplicates. Raises ZoneError naming the record."""
    where = describe(index, record)
    rtype = record["type"]
    value = record["value"]
    priority = record["priority"]
    owner_full = absolute_name(
        record["name"], zone, where + ": name", allow_wildcard=True, allow_underscore=rtype in UNDERSCORE_OWNER_TYPES
    )
    if owner_full != zone and not owner_full.endswith("." + zone):
        raise ZoneError("%s: name %r is outside the zone; expected a name ending in .%s. or a relative name" % (where, record["name"], zone))
    check_range(record["ttl"], where + ": ttl", 0, MAX_TTL)
    if rtype in PRIORITY_TYPES:
        if priority is None:
            raise ZoneError("%s: priority is required for %s records; expected a number from 0 to 65535" % (where, rtype))
        check_range(priority, where + ": priority", 0, 65535)
    elif priority is not None:
        raise ZoneError("%s: priority is only for MX and SRV records; remove it" % where)

    if rtype == "A":
        try:
            rdata = str(ipaddress.IPv4Address(value))
        except ValueError:
            raise ZoneError("%s: value %r is not an IPv4 address; expected for example 26.26.26.26" % (where, value))
        canonical = rdata
    elif rtype == "AAAA":
        try:
            rdata = ipaddress.IPv6Address(value).compressed
        except ValueError:
            raise ZoneError("%s: value %r is not an IPv6 address; expected for example 2001:db8::25" % (where, value))
        canonical = rdata
    elif rtype in TARGET_TYPES:
        canonical = check_target(value, zone, where + ": value", rtype)
        rdata = value if priority is None else "%d %s" % (priority, value)
    elif rtype == "SRV":
        fields = value.split()
        if len(fields) != 3 or not fields[0].isdigit() or not fields[1].isdigit():
            raise ZoneError("%s: value %r is not 'weight port target'; expected for example '0 587 mail.nida.com.'" % (where, value))
        check_range(int(fields[0]), where + ": weight", 0, 65535)
        check_range(int(fields[1]), where + ": port", 0, 65535)
        target = check_target(fields[2], zone, where + ": target", rtype)
        canonical = "%d %d %s" % (int(fields[0]), int(fields[1]), target)
        rdata = "%d %d %d %s" % (priority, int(fields[0]), int(fields[1]), fields[2])
    else:
        if len(value) >= 2 and value.startswith('"') and value.endswith('"'):
            raise ZoneError("%s: value %s is quoted; give the text without surrounding quotes, the module quotes it" % (where, value))
        rdata = quote_txt(value)
        canonical = value
    key = (owner_full, rtype, priority, canonical)
    return relative_to_zone(owner_full, zone), rdata, key


def check_records(records, zone):
    """Check all records and the rules between them. Returns ``(rendered, errors)``: for each record a dict with its
    owner (relative to the zone), ttl, type and rdata, and the list of error messages (empty when all is well)."""
    errors = []
    rendered = []
    first_index = {}
    by_owner = {}
    cname_index = {}
    targets = []
    for index, record in enumerate(records):
        try:
            owner, rdata, key = check_record(index, record, zone)
        except ZoneError as error:
            errors.append(str(error))
            continue
        where = describe(index, record)
        if key in first_index:
            errors.append("%s: duplicates records[%d]; give each record once" % (where, first_index[key]))
            continue
        first_index[key] = index
        owner_full, rtype = key[0], key[1]
        if rtype == "CNAME" and owner_full == zone:
            errors.append("%s: a CNAME cannot be at the zone apex, which has the SOA and NS records; use A or AAAA records there" % where)
        for other_index in by_owner.get(owner_full, []):
            other = records[other_index]
            if "CNAME" in (rtype, other["type"]):
                cname, beside = (record, other) if rtype == "CNAME" else (other, record)
                errors.append(
                    "%s: CNAME for %s conflicts with %s %s (records[%d]); a name with a CNAME can have no other record"
                    % (where, cname["name"], beside["type"], beside["name"], other_index)
                )
        by_owner.setdefault(owner_full, []).append(index)
        if rtype == "CNAME":
            cname_index[owner_full] = index
        if rtype in ("MX", "NS"):
            targets.append((index, key[3]))
        rendered.append(dict(owner=owner, ttl=record["ttl"], type=rtype, rdata=rdata))
    for index, target in targets:
        if target in cname_index:
            record = records[index]
            errors.append(
                "%s: target %s is a CNAME (records[%d]); %s records must point to a name with A or AAAA records"
                % (describe(index, record), record["value"], cname_index[target], record["type"])
            )
    return rendered, errors


def hostmaster_name(hostmaster, zone):
    """The SOA RNAME for ``hostmaster``: an e-mail address becomes local\\.part.domain., a DNS name stays as given."""
    if hostmaster is None:
        return "hostmaster.%s." % zone
    if "@" not in hostmaster:
        absolute_name(hostmaster, zone, "soa.hostmaster")
        return hostmaster
    local_part, domain = hostmaster.rsplit("@", 1)
    if not MAILBOX_LOCAL_PART.match(local_part) or local_part.startswith(".") or local_part.endswith(".") or ".." in local_part:
        raise ZoneError(
            "soa.hostmaster %r has an invalid local part %r; expected letters, digits and . _ + -" % (hostmaster, local_part)
        )
    if not domain.rstrip(".") or ".." in domain:
        raise ZoneError("soa.hostmaster %r has an invalid domain %r; expected for example hostmaster@nida.com" % (hostmaster, domain))
    check_labels(split_labels(domain), "soa.hostmaster %r domain" % hostmaster)
    return "%s.%s." % (local_part.replace(".", "\\."), domain.rstrip(".").lower())


def soa_fields(soa, zone, records):
    """The SOA MNAME and RNAME, with the timers checked; primary_ns defaults to the first NS record at the apex, which
    the caller has made sure exists."""
    primary_ns = soa["primary_ns"]
    if primary_ns is None:
        primary_ns = next(record["rdata"] for record in records if record["type"] == "NS" and record["owner"] == "@")
    else:
        absolute_name(primary_ns, zone, "soa.primary_ns")
    for field in ("refresh", "retry", "expire", "minimum"):
        check_range(soa[field], "soa." + field, 0, MAX_TTL)
    return primary_ns, hostmaster_name(soa["hostmaster"], zone)


def render_zone(zone, ttl, soa, records, serial):
    """The text of the zone file: header, $ORIGIN, $TTL, SOA, the NS records at the apex, then the other records in the
    given order. ``serial`` is a number or SERIAL_MARK."""
    primary_ns, hostmaster = soa["mname"], soa["rname"]
    ordered = [r for r in records if r["type"] == "NS" and r["owner"] == "@"] + [
        r for r in records if not (r["type"] == "NS" and r["owner"] == "@")
    ]
    name_width = max([len(r["owner"]) for r in ordered] + [1])
    ttl_width = max([len(str(r["ttl"])) for r in ordered if r["ttl"] is not None] + [0])
    lines = [
        HEADER,
        "$ORIGIN %s." % zone,
        "$TTL %d" % ttl,
        " ".join(["@".ljust(name_width)] + ([" " * ttl_width] if ttl_width else []) + ["IN", "SOA  ", primary_ns, hostmaster, "("]),
        "    %s ; serial" % serial,
        "    %d ; refresh" % soa["refresh"],
        "    %d ; retry" % soa["retry"],
        "    %d ; expire" % soa["expire"],
        "    %d ; minimum (negative caching TTL)" % soa["minimum"],
        "    )",
    ]
    for record in ordered:
        ttl_text = "" if record["ttl"] is None else str(record["ttl"])
        columns = [record["owner"].ljust(name_width)]
        if ttl_width:
            columns.append(ttl_text.rjust(ttl_width))
        columns += ["IN", record["type"].ljust(5), record["rdata"]]
        lines.append(" ".join(columns))
    return "\n".join(lines) + "\n"


def masked(text):
    """``(text with its SOA serial replaced by SERIAL_MARK, the serial)``; the serial is None when no SOA is found."""
    if text is None:
        return None, None
    without_comments = re.sub(r";[^\n]*", lambda match: " " * len(match.group(0)), text)
    match = SOA_SERIAL.search(without_comments)
    if match is None:
        return text, None
    return text[: match.start(1)] + SERIAL_MARK + text[match.end(1):], int(match.group(1))


def next_serial(previous, day):
    """The serial after ``previous``: today's YYYYMMDD00, or ``previous + 1`` when that is larger."""
    first_of_day = int(day.strftime("%Y%m%d")) * 100
    if previous is None:
        return first_of_day
    return max(first_of_day, previous + 1)


def check_owner_and_group(owner, group):
    """Raise ZoneError when the owner or group name does not exist on the host."""
    if owner is not None and not owner.isdigit():
        try:
            pwd.getpwnam(owner)
        except KeyError:
            raise ZoneError("owner %r is not a user on this host; expected an existing user name or uid" % owner)
    if group is not None and not group.isdigit():
        try:
            grp.getgrnam(group)
        except KeyError:
            raise ZoneError("group %r is not a group on this host (install bind9 first, or set group); expected an existing group name or gid" % group)


def checkzone_validator(module, zone):
    """A write_atomically validate callback running ``named-checkzone ZONE FILE``; its warnings become module warnings."""
    named_checkzone = module.get_bin_path("named-checkzone", required=True)

    def validate(temp_path):
        rc, out, err = module.run_command([named_checkzone, zone, temp_path])
        output = "\n".join(part.strip() for part in (out, err) if part.strip())
        if rc != 0:
            return "named-checkzone: %s" % output
        for line in output.splitlines():
            if line != "OK" and ": loaded serial " not in line:
                module.warn("named-checkzone: %s" % line)
        return None

    return validate


def main():
    record_spec = dict(
        name=dict(type="str", default="@"),
        type=dict(type="str", required=True, choices=["A", "AAAA", "MX", "NS", "CNAME", "TXT", "PTR", "SRV"]),
        value=dict(type="str", required=True),
        priority=dict(type="int"),
        ttl=dict(type="int"),
    )
    soa_spec = dict(
        primary_ns=dict(type="str"),
        hostmaster=dict(type="str"),
        refresh=dict(type="int", default=3600),
        retry=dict(type="int", default=900),
        expire=dict(type="int", default=1209600),
        minimum=dict(type="int", default=300),
    )
    module = AnsibleModule(
        argument_spec=dict(
            zone=dict(type="str", required=True),
            path=dict(type="path", required=True),
            ttl=dict(type="int", default=3600),
            soa=dict(type="dict", default={}, options=soa_spec),
            records=dict(type="list", elements="dict", required=True, options=record_spec),
            owner=dict(type="str", default="root"),
            group=dict(type="str", default="bind"),
            mode=dict(type="raw", default="0644"),
            backup=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    params = module.params
    path = params["path"]

    try:
        zone = normalize_zone(params["zone"])
        check_range(params["ttl"], "ttl", 0, MAX_TTL)
        records, errors = check_records(params["records"], zone)
        if errors:
            module.fail_json(msg="invalid records for zone %s: %s" % (zone, "; ".join(errors)))
        if not any(record["type"] == "NS" and record["owner"] == "@" for record in records):
            raise ZoneError("records has no NS record at the zone apex (@); expected at least one, e.g. {type: NS, value: ns1}")
        mname, rname = soa_fields(params["soa"], zone, records)
    except ZoneError as error:
        module.fail_json(msg=str(error))
    soa = dict(params["soa"], mname=mname, rname=rname)

    before = read_text(path)
    before_masked, previous_serial = masked(before)
    after_masked = render_zone(zone, params["ttl"], soa, records, SERIAL_MARK)
    content_changed = before_masked != after_masked
    serial = next_serial(previous_serial, today()) if content_changed else previous_serial
    if serial > MAX_SERIAL:
        module.fail_json(msg="the serial after %d would pass %d; set a lower serial in %s by hand" % (previous_serial, MAX_SERIAL, path))
    after = after_masked.replace(SERIAL_MARK, str(serial), 1)

    backup_file = None
    if content_changed and not module.check_mode:
        try:
            check_owner_and_group(params["owner"], params["group"])
        except ZoneError as error:
            module.fail_json(msg=str(error))
        if not os.path.isdir(os.path.dirname(path) or "."):
            module.fail_json(msg="the directory of %s does not exist; create it first" % path)
        backup_file = write_atomically(module, path, after, validate=checkzone_validator(module, zone), backup=params["backup"])

    attribute_diff = dict(before={}, after={})
    attributes_changed = module.set_owner_if_different(path, params["owner"], False, attribute_diff)
    attributes_changed = module.set_group_if_different(path, params["group"], attributes_changed, attribute_diff)
    attributes_changed = module.set_mode_if_different(path, params["mode"], attributes_changed, attribute_diff)

    result = dict(changed=content_changed or attributes_changed, serial=serial, previous_serial=previous_serial, records=len(records))
    if backup_file:
        result["backup_file"] = backup_file
    if module._diff:
        result["diff"] = [file_diff(path, before, after)]
        if before is not None and attribute_diff["before"]:
            result["diff"].append(dict(before_header=path + " (attributes)", after_header=path + " (attributes)", **attribute_diff))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
