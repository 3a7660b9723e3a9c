# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Private helpers of tkj.mailserver.bind_zone: check structured DNS records, render a BIND zone file from them
and keep its SOA serial (YYYYMMDDnn, bumped only when something besides the serial changes)."""

from __future__ import annotations

import datetime
import ipaddress
import re

from ansible_collections.tkj.mailserver.plugins.module_utils._errors import InputError

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
    """Today's date on the managed host; the date part of new serials (the module calls it through its own
    namespace, so that tests can replace it there)."""
    return datetime.date.today()


def describe(index, record):
    """How error messages name a record: its index, name and type."""
    return "records[%d] (%s %s)" % (index, record["name"], record["type"])


def split_labels(name):
    """The labels of a name without its trailing dot."""
    return name.rstrip(".").split(".")


def check_labels(labels, what, allow_wildcard=False, allow_underscore=False):
    """Raise InputError unless every label is a host name label (RFC 1123), or one of the allowed extras."""
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
        raise InputError(
            "%s has an invalid label %r; expected letters, digits and inner hyphens, at most 63 characters%s"
            % (what, label, " (or " + " or ".join(extras) + ")" if extras else "")
        )


def absolute_name(name, zone, what, allow_wildcard=False, allow_underscore=False):
    """The absolute lower-case form (without trailing dot) of a relative or absolute ``name`` inside or outside ``zone``.

    Raises InputError for invalid labels and for a relative name that repeats the zone name (a missing trailing dot)."""
    if name == "@":
        return zone
    if name.endswith("."):
        full = name[:-1].lower()
    else:
        lowered = name.lower()
        if lowered == zone or lowered.endswith("." + zone):
            raise InputError(
                "%s %r is relative, so it means %s.%s.; write %r or %r"
                % (what, name, name, zone, relative_to_zone(lowered, zone), name + ".")
            )
        full = lowered + "." + zone
    if not name.rstrip(".") or ".." in name:
        raise InputError("%s %r is not a valid name; expected labels separated by single dots" % (what, name))
    check_labels(split_labels(name), "%s %r" % (what, name), allow_wildcard, allow_underscore)
    if len(full) > 253:
        raise InputError("%s %r is %d characters long as %s.; expected at most 253" % (what, name, len(full), full))
    return full


def relative_to_zone(full, zone):
    """``full`` (absolute, inside ``zone``) written relative to the zone: '@' for the apex."""
    if full == zone:
        return "@"
    return full[: -len(zone) - 1]


def normalize_zone(zone):
    """The zone name in lower case without trailing dot; raises InputError when it is not a domain name."""
    name = zone.strip().lower()
    if name.endswith("."):
        name = name[:-1]
    if not name or ".." in name:
        raise InputError("zone %r is not a domain name; expected for example 'nida.com' or '26.26.26.in-addr.arpa'" % zone)
    check_labels(name.split("."), "zone %r" % zone)
    return name


def check_range(value, what, low, high):
    """Raise InputError unless ``low <= value <= high``."""
    if value is not None and not low <= value <= high:
        raise InputError("%s is %d; expected a number from %d to %d" % (what, value, low, high))


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
        raise InputError(
            "%s %r must be an absolute host name with a trailing dot, such as %r (a relative name would be read as %s.%s.)"
            % (what, value, value + ".", value, zone)
        )
    return absolute_name(value, zone, what)


def check_record(index, record, zone):
    """Check one record and return ``(owner, rdata, key)``: the owner written relative to the zone, the record data as
    written in the file, and a canonical key that finds duplicates. Raises InputError naming the record."""
    where = describe(index, record)
    rtype = record["type"]
    value = record["value"]
    priority = record["priority"]
    owner_full = absolute_name(
        record["name"], zone, where + ": name", allow_wildcard=True, allow_underscore=rtype in UNDERSCORE_OWNER_TYPES
    )
    if owner_full != zone and not owner_full.endswith("." + zone):
        raise InputError("%s: name %r is outside the zone; expected a name ending in .%s. or a relative name" % (where, record["name"], zone))
    check_range(record["ttl"], where + ": ttl", 0, MAX_TTL)
    if rtype in PRIORITY_TYPES:
        if priority is None:
            raise InputError("%s: priority is required for %s records; expected a number from 0 to 65535" % (where, rtype))
        check_range(priority, where + ": priority", 0, 65535)
    elif priority is not None:
        raise InputError("%s: priority is only for MX and SRV records; remove it" % where)

    if rtype == "A":
        try:
            rdata = str(ipaddress.IPv4Address(value))
        except ValueError:
            raise InputError("%s: value %r is not an IPv4 address; expected for example 26.26.26.26" % (where, value))
        canonical = rdata
    elif rtype == "AAAA":
        try:
            rdata = ipaddress.IPv6Address(value).compressed
        except ValueError:
            raise InputError("%s: value %r is not an IPv6 address; expected for example 2001:db8::25" % (where, value))
        canonical = rdata
    elif rtype in TARGET_TYPES:
        canonical = check_target(value, zone, where + ": value", rtype)
        rdata = value if priority is None else "%d %s" % (priority, value)
    elif rtype == "SRV":
        fields = value.split()
        if len(fields) != 3 or not fields[0].isdigit() or not fields[1].isdigit():
            raise InputError("%s: value %r is not 'weight port target'; expected for example '0 587 mail.nida.com.'" % (where, value))
        check_range(int(fields[0]), where + ": weight", 0, 65535)
        check_range(int(fields[1]), where + ": port", 0, 65535)
        target = check_target(fields[2], zone, where + ": target", rtype)
        canonical = "%d %d %s" % (int(fields[0]), int(fields[1]), target)
        rdata = "%d %d %d %s" % (priority, int(fields[0]), int(fields[1]), fields[2])
    else:
        if len(value) >= 2 and value.startswith('"') and value.endswith('"'):
            raise InputError("%s: value %s is quoted; give the text without surrounding quotes, the module quotes it" % (where, value))
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
        except InputError as error:
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
        raise InputError(
            "soa.hostmaster %r has an invalid local part %r; expected letters, digits and . _ + -" % (hostmaster, local_part)
        )
    if not domain.rstrip(".") or ".." in domain:
        raise InputError("soa.hostmaster %r has an invalid domain %r; expected for example hostmaster@nida.com" % (hostmaster, domain))
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


def zone_text(zone, ttl, soa, records):
    """Check one zone's name, TTL, SOA fields and records and render its file with SERIAL_MARK for the serial.

    Returns ``(zone name, text, number of records)``, the zone name in lower case without trailing dot. Raises
    InputError naming the option at fault; all bad records are named in one message."""
    name = normalize_zone(zone)
    check_range(ttl, "ttl", 0, MAX_TTL)
    checked, errors = check_records(records, name)
    if errors:
        raise InputError("invalid records for zone %s: %s" % (name, "; ".join(errors)))
    if not any(record["type"] == "NS" and record["owner"] == "@" for record in checked):
        raise InputError("records has no NS record at the zone apex (@); expected at least one, e.g. {type: NS, value: ns1}")
    mname, rname = soa_fields(soa, name, checked)
    return name, render_zone(name, ttl, dict(soa, mname=mname, rname=rname), checked, SERIAL_MARK), len(checked)


def plan_serial(before, after_masked, day, path):
    """Compare the rendered text ``after_masked`` with the file text ``before`` (None: no file), serials aside.

    Returns ``(changed, serial, previous_serial, after)``: the old serial is kept when nothing else differs, otherwise
    the next one; ``after`` is the text to write. Raises InputError when the serial would outgrow the SOA's 32 bits."""
    before_masked, previous_serial = masked(before)
    changed = before_masked != after_masked
    serial = next_serial(previous_serial, day) if changed else previous_serial
    if serial > MAX_SERIAL:
        raise InputError("the serial after %d would pass %d; set a lower serial in %s by hand" % (previous_serial, MAX_SERIAL, path))
    return changed, serial, previous_serial, after_masked.replace(SERIAL_MARK, str(serial), 1)
