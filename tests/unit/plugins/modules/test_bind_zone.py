# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for tkj.mailserver.bind_zone: rendering, serial rules, idempotence, check mode, diff,
named-checkzone validation, bad-input messages and several zones in one call (all or none).
named-checkzone and today's date are patched. Most tests write one zone, as a one-item zones list."""

from __future__ import annotations

import datetime
import grp
import os
import pwd

import pytest
from ansible.module_utils.basic import AnsibleModule

from ansible_collections.tkj.mailserver.plugins.modules import bind_zone

CHECKZONE = "/usr/bin/named-checkzone"
TODAY = datetime.date(2025, 11, 26)

NIDA_RECORDS = [
    {"type": "NS", "value": "ns1"},
    {"type": "NS", "value": "mail"},
    {"name": "ns1", "type": "A", "value": "26.26.26.26"},
    {"name": "mail", "type": "A", "value": "26.26.26.26"},
    {"type": "MX", "priority": 10, "value": "mail"},
    {"type": "TXT", "value": "v=spf1 mx -all"},
]

NIDA_ZONE = """; Managed by Ansible (tkj.mailserver.bind_zone). Local changes are overwritten.
$ORIGIN nida.com.
$TTL 3600
@    IN SOA   ns1 hostmaster.nida.com. (
    2025112600 ; serial
    3600 ; refresh
    900 ; retry
    1209600 ; expire
    300 ; minimum (negative caching TTL)
    )
@    IN NS    ns1
@    IN NS    mail
ns1  IN A     26.26.26.26
mail IN A     26.26.26.26
@    IN MX    10 mail
@    IN TXT   "v=spf1 mx -all"
"""


class Checkzone:
    """The named-checkzone stand-in: ``calls`` holds the argv of each run, ``answer`` is its (rc, stdout, stderr),
    ``answers`` the answer for particular zone names."""

    def __init__(self):
        self.calls = []
        self.answer = (0, "zone nida.com/IN: loaded serial 2025112600\nOK\n", "")
        self.answers = {}


@pytest.fixture
def checkzone(monkeypatch):
    """Patch named-checkzone (found at CHECKZONE, answering success) and today's date (TODAY)."""
    checkzone = Checkzone()

    def run_command(module, args, **kwargs):
        checkzone.calls.append(list(args))
        return checkzone.answers.get(args[1], checkzone.answer)

    monkeypatch.setattr(AnsibleModule, "run_command", run_command)
    monkeypatch.setattr(AnsibleModule, "get_bin_path", lambda module, name, required=False, opt_dirs=None: CHECKZONE)
    monkeypatch.setattr(bind_zone, "today", lambda: TODAY)
    return checkzone


@pytest.fixture
def zone(tmp_path):
    """The nida.com zone in tmp_path, as one entry of zones (zone_args holds this very dict, so changes show there)."""
    return {"zone": "nida.com", "path": str(tmp_path / "db.nida.com"), "records": [dict(record) for record in NIDA_RECORDS]}


@pytest.fixture
def zone_args(zone):
    """Arguments for the one zone ``zone``, owned by the user and group running the tests."""
    return {"zones": [zone], "owner": pwd.getpwuid(os.getuid()).pw_name, "group": grp.getgrgid(os.getgid()).gr_name}


def only(result):
    """The result of the one zone of a one-item zones call."""
    [zone_result] = result["zones"]
    return zone_result


def read(path):
    """The bytes of ``path``."""
    with open(path, "rb") as handle:
        return handle.read()


def write_zone(path, serial, text=NIDA_ZONE):
    """Write ``text`` to ``path`` with its serial replaced by ``serial``; return the bytes written."""
    data = text.replace("2025112600", str(serial)).encode("utf-8")
    with open(path, "wb") as handle:
        handle.write(data)
    return data


def test_renders_zone_file(run_module, checkzone, zone, zone_args):
    """A new zone file has the header, $ORIGIN, $TTL, SOA, apex NS first and the other records in the given order."""
    zone["records"] = NIDA_RECORDS[2:4] + NIDA_RECORDS[:2] + NIDA_RECORDS[4:]
    result = run_module("bind_zone", zone_args)
    assert result["changed"] is True
    assert only(result)["records"] == 6
    assert read(zone["path"]).decode() == NIDA_ZONE
    assert os.stat(zone["path"]).st_mode & 0o777 == 0o644


def test_new_file_serial_is_today_00(run_module, checkzone, zone_args):
    """A zone file written for the first time gets serial YYYYMMDD00 of today and no previous serial."""
    result = run_module("bind_zone", zone_args)
    assert (only(result)["serial"], only(result)["previous_serial"]) == (2025112600, None)


def test_second_run_changes_nothing(run_module, checkzone, zone, zone_args):
    """The same call twice: the second run reports changed false, keeps the serial and neither validates nor writes."""
    run_module("bind_zone", zone_args)
    stat_before = os.stat(zone["path"])
    checkzone.calls.clear()
    result = run_module("bind_zone", zone_args)
    assert result["changed"] is False
    assert (only(result)["serial"], only(result)["previous_serial"]) == (2025112600, 2025112600)
    assert checkzone.calls == []
    assert os.stat(zone["path"]).st_ino == stat_before.st_ino


@pytest.mark.parametrize(
    "old_serial, new_serial",
    [
        (2025112600, 2025112601),  # same day: counter + 1
        (2025112607, 2025112608),
        (2025112505, 2025112600),  # earlier day: today's 00
        (2025112699, 2025112700),  # past 99: keeps growing
        (2030010100, 2030010101),  # serial from the future: still + 1
        (7, 2025112600),  # small counter serial: today's 00
    ],
)
def test_changed_zone_serial(run_module, checkzone, zone, zone_args, old_serial, new_serial):
    """A changed zone gets max(today's YYYYMMDD00, old serial + 1)."""
    write_zone(zone["path"], old_serial)
    zone["records"][3]["value"] = "26.26.26.27"
    result = run_module("bind_zone", zone_args)
    assert result["changed"] is True
    assert (only(result)["serial"], only(result)["previous_serial"]) == (new_serial, old_serial)
    assert "    %d ; serial\n" % new_serial in read(zone["path"]).decode()


def test_only_serial_differs_keeps_file(run_module, checkzone, zone, zone_args):
    """A file equal to the rendered zone except for an older serial is left alone with its serial."""
    original = write_zone(zone["path"], 2024010103)
    result = run_module("bind_zone", zone_args)
    assert result["changed"] is False
    assert only(result)["serial"] == 2024010103
    assert read(zone["path"]) == original


def test_foreign_file_serial_is_read(run_module, checkzone, zone, zone_args):
    """A zone file not written by the module is replaced, with a serial above the one in its one-line SOA."""
    with open(zone["path"], "w") as handle:
        handle.write("$TTL 86400\n@ IN SOA localhost. root.localhost. ( 2031020304 604800 86400 2419200 86400 ) ; old\n@ IN NS localhost.\n")
    result = run_module("bind_zone", zone_args)
    assert (result["changed"], only(result)["serial"], only(result)["previous_serial"]) == (True, 2031020305, 2031020304)


def test_check_mode_writes_nothing(run_module, checkzone, zone, zone_args):
    """Check mode reports the change and the serial it would use, but leaves the file and runs no validator."""
    original = write_zone(zone["path"], 2025112602)
    os.chmod(zone["path"], 0o600)
    zone["records"].append({"name": "www", "type": "CNAME", "value": "mail"})
    result = run_module("bind_zone", zone_args, check_mode=True)
    assert result["changed"] is True
    assert (only(result)["serial"], only(result)["previous_serial"]) == (2025112603, 2025112602)
    assert read(zone["path"]) == original
    assert os.stat(zone["path"]).st_mode & 0o777 == 0o600
    assert checkzone.calls == []


def test_check_mode_new_file(run_module, checkzone, zone, zone_args):
    """Check mode for a zone file that does not exist yet creates nothing."""
    result = run_module("bind_zone", zone_args, check_mode=True)
    assert (result["changed"], only(result)["serial"]) == (True, 2025112600)
    assert not os.path.exists(zone["path"])


def test_check_mode_unchanged(run_module, checkzone, zone, zone_args):
    """Check mode on an up-to-date file reports no change and the current serial."""
    write_zone(zone["path"], 2025112604)
    os.chmod(zone["path"], 0o644)
    result = run_module("bind_zone", zone_args, check_mode=True)
    assert (result["changed"], only(result)["serial"]) == (False, 2025112604)


def test_diff_shows_old_and_new_text(run_module, checkzone, zone, zone_args):
    """Diff mode returns the old and the new file text, serial included."""
    old_text = write_zone(zone["path"], 2025112600).decode()
    zone["records"].append({"name": "imap", "type": "CNAME", "value": "mail"})
    result = run_module("bind_zone", zone_args, diff=True)
    text_diff = result["diff"][0]
    assert text_diff["before"] == old_text
    assert text_diff["after"] == old_text.replace("2025112600", "2025112601") + "imap IN CNAME mail\n"
    assert text_diff["after"] == read(zone["path"]).decode()


def test_mode_change_only(run_module, checkzone, zone, zone_args):
    """A wrong mode is fixed without rewriting the content or bumping the serial, and shows in the diff."""
    original = write_zone(zone["path"], 2025112600)
    os.chmod(zone["path"], 0o600)
    result = run_module("bind_zone", zone_args, diff=True)
    assert (result["changed"], only(result)["changed"], only(result)["serial"]) == (True, True, 2025112600)
    assert read(zone["path"]) == original
    assert os.stat(zone["path"]).st_mode & 0o777 == 0o644
    [attributes] = result["diff"]  # the content is unchanged, so there is no text entry
    assert attributes["before"] == {"mode": "0600"}
    assert attributes["after"] == {"mode": "0644"}


def test_named_checkzone_gets_zone_and_temp_file(run_module, checkzone, zone, zone_args, tmp_path):
    """named-checkzone checks the new text in a temporary file beside the zone file, named after the zone."""
    zone["zone"] = "NIDA.com."
    run_module("bind_zone", zone_args)
    [call] = checkzone.calls
    assert call[:2] == [CHECKZONE, "nida.com"]
    assert os.path.dirname(call[2]) == str(tmp_path)
    assert call[2] != zone["path"]
    assert os.listdir(str(tmp_path)) == ["db.nida.com"]


def test_validation_failure_leaves_file_byte_identical(run_module, checkzone, zone, zone_args, tmp_path):
    """When named-checkzone rejects the new text the module fails with its output and the old file is untouched."""
    original = write_zone(zone["path"], 2025112600)
    checkzone.answer = (1, "zone nida.com/IN: NS 'ns2.nida.com' has no address records (A or AAAA)\n", "zone nida.com/IN: not loaded due to errors.\n")
    zone["records"].append({"type": "NS", "value": "ns2"})
    result = run_module("bind_zone", zone_args)
    assert result["failed"] is True
    assert "NS 'ns2.nida.com' has no address records (A or AAAA)" in result["msg"]
    assert "not loaded due to errors" in result["msg"]
    assert read(zone["path"]) == original
    assert os.listdir(str(tmp_path)) == ["db.nida.com"]


def test_named_checkzone_warnings_are_shown(run_module, checkzone, zone_args):
    """Warnings that named-checkzone prints for an accepted zone become module warnings."""
    checkzone.answer = (0, "zone nida.com/IN: nida.com/MX 'mail.nida.com' has no address records\nzone nida.com/IN: loaded serial 1\nOK\n", "")
    result = run_module("bind_zone", zone_args)
    messages = [warning["event"]["msg"] if isinstance(warning, dict) else warning for warning in result["warnings"]]  # 2.19 wraps them
    assert messages == ["named-checkzone: zone nida.com/IN: nida.com/MX 'mail.nida.com' has no address records"]


def test_backup_keeps_old_file(run_module, checkzone, zone, zone_args):
    """With backup the replaced file is kept and its name returned."""
    original = write_zone(zone["path"], 2025112600)
    zone["records"][5]["value"] = "v=spf1 a mx -all"
    result = run_module("bind_zone", dict(zone_args, backup=True))
    assert read(only(result)["backup_file"]) == original
    assert read(zone["path"]) != original


def test_reverse_zone_and_soa_options(run_module, checkzone, zone, zone_args):
    """A reverse zone with PTR records, record TTLs, an e-mail hostmaster and explicit SOA timers renders as expected."""
    zone.update(
        zone="26.26.26.in-addr.arpa",
        ttl=600,
        soa={"primary_ns": "ns1.nida.com.", "hostmaster": "john.doe@Nida.com", "refresh": 7200, "retry": 600, "expire": 86400, "minimum": 60},
        records=[
            {"type": "NS", "value": "ns1.nida.com."},
            {"name": "26", "type": "PTR", "value": "mail.nida.com.", "ttl": 86400},
            {"name": "27.26.26.26.in-addr.arpa.", "type": "PTR", "value": "www.nida.com."},
        ],
    )
    run_module("bind_zone", zone_args)
    assert read(zone["path"]).decode().split("\n", 1)[1] == (
        "$ORIGIN 26.26.26.in-addr.arpa.\n"
        "$TTL 600\n"
        "@        IN SOA   ns1.nida.com. john\\.doe.nida.com. (\n"
        "    2025112600 ; serial\n"
        "    7200 ; refresh\n"
        "    600 ; retry\n"
        "    86400 ; expire\n"
        "    60 ; minimum (negative caching TTL)\n"
        "    )\n"
        "@        IN NS    ns1.nida.com.\n"
        "26 86400 IN PTR   mail.nida.com.\n"
        "27       IN PTR   www.nida.com.\n"
    )


@pytest.mark.parametrize(
    "value, rendered",
    [
        ("v=DMARC1; p=none", '"v=DMARC1; p=none"'),
        ('say "hi" \\ bye', '"say \\"hi\\" \\\\ bye"'),
        ("", '""'),
        ("caf\u00e9", '"caf\\195\\169"'),
        ("a" * 300, '"%s" "%s"' % ("a" * 255, "a" * 45)),
    ],
    ids=["semicolon", "escapes", "empty", "utf-8", "split"],
)
def test_txt_quoting(run_module, checkzone, zone, zone_args, value, rendered):
    """TXT text is quoted, quotes and backslashes escaped, non-ASCII bytes written as \\DDD, and split at 255 bytes."""
    zone["records"] = NIDA_RECORDS[:4] + [{"name": "_dmarc", "type": "TXT", "value": value}]
    run_module("bind_zone", zone_args)
    assert read(zone["path"]).decode().endswith("_dmarc IN TXT   %s\n" % rendered)


def test_srv_wildcard_and_aaaa(run_module, checkzone, zone, zone_args):
    """SRV records get priority weight port target, wildcards and AAAA (compressed) are accepted."""
    zone["records"] = NIDA_RECORDS[:4] + [
        {"name": "_submission._tcp", "type": "SRV", "priority": 0, "value": "1 587 mail.nida.com."},
        {"name": "*.lab", "type": "AAAA", "value": "2001:DB8:0:0::25"},
    ]
    run_module("bind_zone", zone_args)
    text = read(zone["path"]).decode()
    assert "_submission._tcp IN SRV   0 1 587 mail.nida.com.\n" in text
    assert "*.lab            IN AAAA  2001:db8::25\n" in text


def test_missing_directory(run_module, checkzone, zone, zone_args, tmp_path):
    """A zone file in a directory that does not exist fails with a message naming the zone and the path."""
    zone["path"] = path = str(tmp_path / "zones" / "db.nida.com")
    result = run_module("bind_zone", zone_args)
    assert result["failed"] is True
    assert result["msg"] == "zones[0] (nida.com): the directory of %s does not exist; create it first" % path


def test_unknown_group(run_module, checkzone, zone, zone_args):
    """A group that does not exist fails before anything is written."""
    result = run_module("bind_zone", dict(zone_args, group="tkj-no-such-group"))
    assert result["failed"] is True
    assert "group 'tkj-no-such-group' is not a group on this host (install bind9 first, or set group)" in result["msg"]
    assert not os.path.exists(zone["path"])


BAD_RECORDS = [
    ({"name": "mail", "type": "A", "value": "26.26.26.300"},
     "records[6] (mail A): value '26.26.26.300' is not an IPv4 address; expected for example 26.26.26.26"),
    ({"name": "mail", "type": "A", "value": "2001:db8::25"},
     "records[6] (mail A): value '2001:db8::25' is not an IPv4 address"),
    ({"name": "mail", "type": "AAAA", "value": "26.26.26.26"},
     "records[6] (mail AAAA): value '26.26.26.26' is not an IPv6 address; expected for example 2001:db8::25"),
    ({"name": "bad_name", "type": "A", "value": "26.26.26.26"},
     "records[6] (bad_name A): name 'bad_name' has an invalid label 'bad_name'; expected letters, digits and inner hyphens, at most 63 characters"
     " (or '*' as the first label)"),
    ({"name": "_dmarc", "type": "A", "value": "26.26.26.26"},
     "records[6] (_dmarc A): name '_dmarc' has an invalid label '_dmarc'"),
    ({"name": "-mail", "type": "TXT", "value": "x"},
     "records[6] (-mail TXT): name '-mail' has an invalid label '-mail'; expected letters, digits and inner hyphens, at most 63 characters"
     " (or '*' as the first label or labels like '_dmarc')"),
    ({"name": "a.*", "type": "A", "value": "26.26.26.26"},
     "records[6] (a.* A): name 'a.*' has an invalid label '*'"),
    ({"name": "x" * 64, "type": "A", "value": "26.26.26.26"},
     "records[6] (%s A): name '%s' has an invalid label '%s'" % ("x" * 64, "x" * 64, "x" * 64)),
    ({"name": "mail..lab", "type": "A", "value": "26.26.26.26"},
     "records[6] (mail..lab A): name 'mail..lab' is not a valid name; expected labels separated by single dots"),
    ({"name": "mail.nida.com", "type": "A", "value": "26.26.26.26"},
     "records[6] (mail.nida.com A): name 'mail.nida.com' is relative, so it means mail.nida.com.nida.com.; write 'mail' or 'mail.nida.com.'"),
    ({"name": "mail.example.org.", "type": "A", "value": "26.26.26.26"},
     "records[6] (mail.example.org. A): name 'mail.example.org.' is outside the zone; expected a name ending in .nida.com. or a relative name"),
    ({"type": "MX", "value": "mail"},
     "records[6] (@ MX): priority is required for MX records; expected a number from 0 to 65535"),
    ({"type": "MX", "priority": 70000, "value": "mail"},
     "records[6] (@ MX): priority is 70000; expected a number from 0 to 65535"),
    ({"name": "www", "type": "A", "priority": 10, "value": "26.26.26.26"},
     "records[6] (www A): priority is only for MX and SRV records; remove it"),
    ({"type": "MX", "priority": 20, "value": "mx_1"},
     "records[6] (@ MX): value 'mx_1' has an invalid label 'mx_1'; expected letters, digits and inner hyphens, at most 63 characters"),
    ({"type": "NS", "value": "ns2.nida.com"},
     "records[6] (@ NS): value 'ns2.nida.com' is relative, so it means ns2.nida.com.nida.com.; write 'ns2' or 'ns2.nida.com.'"),
    ({"name": "www", "type": "CNAME", "value": "http://mail"},
     "records[6] (www CNAME): value 'http://mail' has an invalid label 'http://mail'"),
    ({"name": "26", "type": "PTR", "value": "mail.nida.com"},
     "records[6] (26 PTR): value 'mail.nida.com' must be an absolute host name with a trailing dot, such as 'mail.nida.com.'"),
    ({"name": "mail", "type": "CNAME", "value": "ns1"},
     "records[6] (mail CNAME): CNAME for mail conflicts with A mail (records[3]); a name with a CNAME can have no other record"),
    ({"type": "CNAME", "value": "mail"},
     "records[6] (@ CNAME): a CNAME cannot be at the zone apex"),
    ({"name": "mail", "type": "A", "value": "26.26.26.26", "ttl": 60},
     "records[6] (mail A): duplicates records[3]; give each record once"),
    ({"name": "MAIL.nida.com.", "type": "A", "value": "26.26.26.26"},
     "records[6] (MAIL.nida.com. A): duplicates records[3]"),
    ({"type": "TXT", "value": '"v=spf1 mx -all"'},
     "records[6] (@ TXT): value \"v=spf1 mx -all\" is quoted; give the text without surrounding quotes, the module quotes it"),
    ({"name": "_sip._tcp", "type": "SRV", "priority": 0, "value": "5 5060"},
     "records[6] (_sip._tcp SRV): value '5 5060' is not 'weight port target'; expected for example '0 587 mail.nida.com.'"),
    ({"name": "_sip._tcp", "type": "SRV", "priority": 0, "value": "5 70000 sip"},
     "records[6] (_sip._tcp SRV): port is 70000; expected a number from 0 to 65535"),
    ({"name": "_sip._tcp", "type": "SRV", "value": "5 5060 sip"},
     "records[6] (_sip._tcp SRV): priority is required for SRV records"),
    ({"name": "www", "type": "A", "value": "26.26.26.26", "ttl": -1},
     "records[6] (www A): ttl is -1; expected a number from 0 to 2147483647"),
]


@pytest.mark.parametrize("record, message", BAD_RECORDS, ids=[message.split(": ", 1)[1][:60] for _record, message in BAD_RECORDS])
def test_bad_record_message(run_module, checkzone, zone, zone_args, record, message):
    """Each bad record fails with a message naming the record and what is expected, and nothing is written."""
    zone["records"].append(record)
    result = run_module("bind_zone", zone_args)
    assert result["failed"] is True
    assert message in result["msg"]
    assert not os.path.exists(zone["path"])
    assert checkzone.calls == []


def test_mx_to_cname_message(run_module, checkzone, zone, zone_args):
    """An MX record pointing at a CNAME is refused with both records named."""
    zone["records"] += [{"name": "smtp", "type": "CNAME", "value": "mail"}, {"type": "MX", "priority": 20, "value": "smtp"}]
    result = run_module("bind_zone", zone_args)
    assert "records[7] (@ MX): target smtp is a CNAME (records[6]); MX records must point to a name with A or AAAA records" in result["msg"]


def test_all_record_errors_reported(run_module, checkzone, zone, zone_args):
    """Several bad records are all named in one failure message."""
    zone["records"] += [{"name": "a", "type": "A", "value": "x"}, {"name": "b", "type": "AAAA", "value": "y"}]
    result = run_module("bind_zone", zone_args)
    assert "records[6] (a A): value 'x'" in result["msg"] and "records[7] (b AAAA): value 'y'" in result["msg"]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"zone": "nida..com"}, "zone 'nida..com' is not a domain name; expected for example 'nida.com' or '26.26.26.in-addr.arpa'"),
        ({"zone": "nida_mail.com"}, "zone 'nida_mail.com' has an invalid label 'nida_mail'"),
        ({"ttl": -5}, "ttl is -5; expected a number from 0 to 2147483647"),
        ({"records": NIDA_RECORDS[2:]}, "records has no NS record at the zone apex (@); expected at least one"),
        ({"soa": {"hostmaster": "host master@nida.com"}}, "soa.hostmaster 'host master@nida.com' has an invalid local part 'host master'"),
        ({"soa": {"hostmaster": "hostmaster@"}}, "soa.hostmaster 'hostmaster@' has an invalid domain ''"),
        ({"soa": {"hostmaster": "hostmaster@."}}, "soa.hostmaster 'hostmaster@.' has an invalid domain '.'; expected for example hostmaster@nida.com"),
        ({"soa": {"hostmaster": "hostmaster.nida.com"}}, "soa.hostmaster 'hostmaster.nida.com' is relative, so it means hostmaster.nida.com.nida.com."),
        ({"soa": {"primary_ns": "ns 1"}}, "soa.primary_ns 'ns 1' has an invalid label 'ns 1'"),
        ({"soa": {"retry": -1}}, "soa.retry is -1; expected a number from 0 to 2147483647"),
    ],
)
def test_bad_option_message(run_module, checkzone, zone, zone_args, change, message):
    """Bad zone, TTL, SOA or a zone without apex NS fail with a message naming the zone, the option and what is expected."""
    zone.update(change)
    result = run_module("bind_zone", zone_args)
    assert result["failed"] is True
    assert result["msg"].startswith("zones[0] (%s): " % zone["zone"]) and message in result["msg"]
    assert not os.path.exists(zone["path"])


def test_record_type_choices(run_module, checkzone, zone, zone_args):
    """SOA is not a record type the records list accepts."""
    zone["records"].append({"type": "SOA", "value": "ns1 hostmaster 1 2 3 4 5"})
    result = run_module("bind_zone", zone_args)
    assert result["failed"] is True
    assert "type" in result["msg"] and "SOA" in result["msg"]


REVERSE_RECORDS = [
    {"type": "NS", "value": "ns1.nida.com."},
    {"name": "26", "type": "PTR", "value": "mail.nida.com."},
]


@pytest.fixture
def zones_args(tmp_path, zone_args):
    """Arguments for the zones form: nida.com and its reverse zone in tmp_path, same owner and group as zone_args."""
    return {
        "zones": [
            {"zone": "nida.com", "path": str(tmp_path / "db.nida.com"), "records": [dict(record) for record in NIDA_RECORDS]},
            {"zone": "26.26.26.in-addr.arpa", "path": str(tmp_path / "db.26.26.26.in-addr.arpa"),
             "records": [dict(record) for record in REVERSE_RECORDS], "ttl": 600},
        ],
        "owner": zone_args["owner"],
        "group": zone_args["group"],
        "mode": "0640",
    }


def test_zones_written_in_one_call(run_module, checkzone, zones_args):
    """The zones form writes every zone, checks each with named-checkzone and returns one result a zone."""
    result = run_module("bind_zone", zones_args)
    assert result["changed"] is True
    assert [(zone["zone"], zone["changed"], zone["serial"], zone["previous_serial"], zone["records"]) for zone in result["zones"]] == [
        ("nida.com", True, 2025112600, None, 6),
        ("26.26.26.in-addr.arpa", True, 2025112600, None, 2),
    ]
    first, second = zones_args["zones"]
    assert read(first["path"]).decode() == NIDA_ZONE
    assert "$ORIGIN 26.26.26.in-addr.arpa.\n$TTL 600\n" in read(second["path"]).decode()
    assert [call[1] for call in checkzone.calls] == ["nida.com", "26.26.26.in-addr.arpa"]
    assert all(os.stat(zone["path"]).st_mode & 0o777 == 0o640 for zone in zones_args["zones"])
    assert "serial" not in result


def test_zones_second_run_changes_nothing(run_module, checkzone, zones_args):
    """The same zones twice: the second run changes nothing, keeps the serials and neither validates nor writes."""
    run_module("bind_zone", zones_args)
    inodes = [os.stat(zone["path"]).st_ino for zone in zones_args["zones"]]
    checkzone.calls.clear()
    result = run_module("bind_zone", zones_args, diff=True)
    assert result["changed"] is False
    assert [(zone["changed"], zone["serial"], zone["previous_serial"]) for zone in result["zones"]] == [(False, 2025112600, 2025112600)] * 2
    assert result["diff"] == []
    assert checkzone.calls == []
    assert [os.stat(zone["path"]).st_ino for zone in zones_args["zones"]] == inodes


def test_zones_serial_bumped_only_for_changed_zone(run_module, checkzone, zones_args):
    """A record change in one zone bumps that zone's serial only, and the diff has an entry for that file only."""
    run_module("bind_zone", zones_args)
    reverse = read(zones_args["zones"][1]["path"])
    zones_args["zones"][0]["records"][3]["value"] = "26.26.26.27"
    result = run_module("bind_zone", zones_args, diff=True)
    assert [(zone["changed"], zone["serial"]) for zone in result["zones"]] == [(True, 2025112601), (False, 2025112600)]
    assert [entry["after_header"] for entry in result["diff"]] == [zones_args["zones"][0]["path"]]
    assert read(zones_args["zones"][1]["path"]) == reverse


def test_zones_all_or_none(run_module, checkzone, zones_args, tmp_path):
    """When named-checkzone rejects the second zone, the first zone file is not written either and the message names
    the rejected zone."""
    original = write_zone(zones_args["zones"][0]["path"], 2025112600)
    zones_args["zones"][0]["records"][3]["value"] = "26.26.26.27"
    checkzone.answers["26.26.26.in-addr.arpa"] = (1, "", "zone 26.26.26.in-addr.arpa/IN: not loaded due to errors.\n")
    result = run_module("bind_zone", zones_args)
    assert result["failed"] is True
    assert result["msg"].startswith("zones[1] (26.26.26.in-addr.arpa): %s: the new content was rejected" % zones_args["zones"][1]["path"])
    assert "not loaded due to errors" in result["msg"] and "no zone file was changed" in result["msg"]
    assert read(zones_args["zones"][0]["path"]) == original
    assert os.listdir(str(tmp_path)) == ["db.nida.com"]


def test_zones_bad_record_names_zone(run_module, checkzone, zones_args):
    """A bad record in one zone fails with the zone's index and name before anything is written."""
    zones_args["zones"][1]["records"].append({"name": "27", "type": "PTR", "value": "www.nida.com"})
    result = run_module("bind_zone", zones_args)
    assert result["failed"] is True
    assert result["msg"].startswith("zones[1] (26.26.26.in-addr.arpa): invalid records for zone 26.26.26.in-addr.arpa: records[2] (27 PTR)")
    assert not any(os.path.exists(zone["path"]) for zone in zones_args["zones"])
    assert checkzone.calls == []


def test_zones_same_path_refused(run_module, checkzone, zones_args):
    """Two zones writing the same file are refused before anything is written."""
    zones_args["zones"][1]["path"] = zones_args["zones"][0]["path"]
    result = run_module("bind_zone", zones_args)
    assert result["failed"] is True
    assert "zones[1] (26.26.26.in-addr.arpa): path %s is also the path of zones[0]" % zones_args["zones"][0]["path"] in result["msg"]
    assert not os.path.exists(zones_args["zones"][0]["path"])


@pytest.mark.parametrize("extra", [{"zone": "nida.com"}, {"path": "/tmp/db.nida.com"}, {"records": []}, {"ttl": 600}, {"soa": {"retry": 60}}])
def test_single_zone_options_are_gone(run_module, checkzone, zones_args, extra):
    """The top-level single-zone options of 0.1.0 are refused as unsupported, naming the option, and nothing is written."""
    [name] = extra
    result = run_module("bind_zone", dict(zones_args, **extra))
    assert result["failed"] is True
    assert result["msg"].startswith("Unsupported parameters for (") and " module: %s. " % name in result["msg"]  # the module name differs in tests
    assert not any(os.path.exists(zone["path"]) for zone in zones_args["zones"])


def test_zones_required(run_module, checkzone, zone_args):
    """Without zones the module says that it is needed."""
    result = run_module("bind_zone", {"owner": zone_args["owner"]})
    assert result["failed"] is True
    assert "missing required arguments: zones" in result["msg"]


def test_empty_zones_writes_nothing(run_module, checkzone, zone_args):
    """An empty zones list is accepted and changes nothing."""
    result = run_module("bind_zone", dict(zone_args, zones=[]), diff=True)
    assert (result["failed"], result["changed"], result["zones"], result["diff"]) == (False, False, [], [])
    assert checkzone.calls == []


def test_zones_check_mode_writes_nothing(run_module, checkzone, zones_args):
    """Check mode with zones reports the changes and serials, but creates no file and runs no validator."""
    result = run_module("bind_zone", zones_args, check_mode=True, diff=True)
    assert result["changed"] is True
    assert [(zone["changed"], zone["serial"]) for zone in result["zones"]] == [(True, 2025112600)] * 2
    assert len(result["diff"]) == 2
    assert not any(os.path.exists(zone["path"]) for zone in zones_args["zones"])
    assert checkzone.calls == []


def test_zones_attributes_only(run_module, checkzone, zones_args):
    """A zone file with the right content but the wrong mode only gets its mode fixed: same inode, same serial."""
    run_module("bind_zone", zones_args)
    path = zones_args["zones"][1]["path"]
    content, inode = read(path), os.stat(path).st_ino
    os.chmod(path, 0o600)
    checkzone.calls.clear()
    result = run_module("bind_zone", zones_args, diff=True)
    assert result["changed"] is True
    assert [(zone["changed"], zone["serial"]) for zone in result["zones"]] == [(False, 2025112600), (True, 2025112600)]
    assert (read(path), os.stat(path).st_ino, os.stat(path).st_mode & 0o777) == (content, inode, 0o640)
    assert result["diff"] == [{"before_header": path + " (attributes)", "after_header": path + " (attributes)",
                               "before": {"mode": "0600"}, "after": {"mode": "0640"}}]
    assert checkzone.calls == []


def test_attributes_only_check_mode(run_module, checkzone, zone, zone_args):
    """Check mode on a file with the right content but the wrong mode reports a change and leaves the mode."""
    write_zone(zone["path"], 2025112600)
    os.chmod(zone["path"], 0o600)
    result = run_module("bind_zone", zone_args, check_mode=True)
    assert (result["changed"], only(result)["serial"]) == (True, 2025112600)
    assert os.stat(zone["path"]).st_mode & 0o777 == 0o600


def test_zones_backup(run_module, checkzone, zones_args):
    """With backup each replaced zone file is kept and its name returned in that zone's result."""
    original = write_zone(zones_args["zones"][0]["path"], 2025112600)
    zones_args["zones"][0]["records"][5]["value"] = "v=spf1 a mx -all"
    result = run_module("bind_zone", dict(zones_args, backup=True))
    assert read(result["zones"][0]["backup_file"]) == original
    assert "backup_file" not in result["zones"][1]
