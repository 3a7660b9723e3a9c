# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of tkj.mailserver.converged_state: the real main() against a fake host in tmp_path
(configuration files, dpkg status, passwd, shadow, debconf database) and a fake systemctl."""

from __future__ import annotations

import json
import os
import stat

import pytest
from ansible.module_utils.basic import AnsibleModule
from ansible_collections.tkj.mailserver.plugins.modules import converged_state as module_under_test

DPKG_STATUS = """Package: postfix
Status: install ok installed
Version: 3.7.11-0+deb12u1

Package: dovecot-core
Status: deinstall ok config-files
Version: 1:2.3.19.1+dfsg1-2.1

Package: ssl-cert
Status: install ok installed
Version: 1.1.2
"""

DEBCONF = """Name: postfix/mailname
Template: postfix/mailname
Value: mail.nida.com
Owners: postfix

Name: postfix/main_mailer_type
Template: postfix/main_mailer_type
Value: Internet Site
Owners: postfix
"""


class FakeSystemctl:
    """`systemctl show` of a host whose services are in ``states`` ({name: (active, enabled)})."""

    def __init__(self):
        self.states = {"postfix": ("active", "enabled")}
        self.calls = []

    def run_command(self, args, **kwargs):
        self.calls.append(args)
        blocks = []
        for unit in args[args.index("--") + 1:]:
            active, enabled = self.states.get(unit[: -len(".service")], ("inactive", ""))
            blocks.append("ActiveState=%s\nUnitFileState=%s\n" % (active, enabled))
        return 0, "\n".join(blocks), ""


@pytest.fixture
def host(tmp_path, monkeypatch):
    """A fake host: /etc/postfix with main.cf, /etc/mailname, and the state files the module reads."""
    etc = tmp_path / "etc"
    (etc / "postfix").mkdir(parents=True)
    (etc / "postfix" / "main.cf").write_text("home_mailbox = Maildir/\n")
    (etc / "mailname").write_text("mail.nida.com\n")
    (tmp_path / "status").write_text(DPKG_STATUS)
    (tmp_path / "config.dat").write_text(DEBCONF)
    (tmp_path / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\nnida:x:1000:1000::/home/nida:/usr/sbin/nologin\n")
    (tmp_path / "shadow").write_text("root:*:19000:0:99999:7:::\nnida:$6$salt$hash:20000:0:99999:7:::\n")
    monkeypatch.setattr(module_under_test, "DPKG_STATUS", str(tmp_path / "status"))
    monkeypatch.setattr(module_under_test, "DEBCONF_CONFIG", str(tmp_path / "config.dat"))
    monkeypatch.setattr(module_under_test, "PASSWD", str(tmp_path / "passwd"))
    monkeypatch.setattr(module_under_test, "SHADOW", str(tmp_path / "shadow"))
    systemctl = FakeSystemctl()
    monkeypatch.setattr(AnsibleModule, "get_bin_path", lambda self, name, required=False, opt_dirs=None: "/usr/bin/" + name)
    monkeypatch.setattr(AnsibleModule, "run_command", lambda self, args, **kwargs: systemctl.run_command(args, **kwargs))
    return {"root": tmp_path, "etc": etc, "systemctl": systemctl, "state_dir": str(tmp_path / "state")}


def part(host, **changes):
    description = {
        "name": "postfix",
        "fingerprint": "f1",
        "paths": [str(host["etc"] / "postfix"), str(host["etc"] / "mailname")],
        "packages": ["postfix", "ssl-cert"],
        "services": ["postfix"],
        "users": ["nida"],
        "debconf": ["postfix/mailname"],
    }
    description.update(changes)
    return description


def verify(run_module, host, check_mode=False, **changes):
    return run_module("converged_state", {"parts": [part(host, **changes)], "state_dir": host["state_dir"]}, check_mode=check_mode)


def record(run_module, host, check_mode=False, **changes):
    return run_module("converged_state", {"step": "record", "parts": [part(host, **changes)], "state_dir": host["state_dir"]},
                      check_mode=check_mode)


def test_unrecorded_host_is_not_converged(run_module, host):
    result = verify(run_module, host)
    assert not result["failed"] and not result["changed"]
    assert result["converged"] is False
    assert result["parts"]["postfix"]["drift"] == ["no stamp: the part has not been recorded on this host"]


def test_recorded_host_is_converged_until_something_changes(run_module, host):
    result = record(run_module, host)
    assert not result["failed"] and not result["changed"] and result["converged"]
    result = verify(run_module, host)
    assert result["converged"] is True
    assert result["parts"]["postfix"] == {"converged": True, "drift": [], "fingerprint": "f1"}


def test_stamp_is_private_and_holds_no_contents(run_module, host):
    record(run_module, host)
    path = os.path.join(host["state_dir"], "postfix.json")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(host["state_dir"]).st_mode) == 0o700
    text = open(path).read()
    assert "Maildir/" not in text and "$6$salt$hash" not in text
    assert json.loads(text)["observed"]["packages"] == {"postfix": "3.7.11-0+deb12u1", "ssl-cert": "1.1.2"}


def edit_main_cf(host):
    (host["etc"] / "postfix" / "main.cf").write_text("home_mailbox = mbox\n")


def add_file(host):
    (host["etc"] / "postfix" / "extra.cf").write_text("x\n")


def chmod_mailname(host):
    os.chmod(host["etc"] / "mailname", 0o600)


def remove_mailname(host):
    os.unlink(host["etc"] / "mailname")


def stop_service(host):
    host["systemctl"].states["postfix"] = ("inactive", "enabled")


def disable_service(host):
    host["systemctl"].states["postfix"] = ("active", "disabled")


def remove_package(host):
    removed = DPKG_STATUS.replace("Package: ssl-cert\nStatus: install ok installed", "Package: ssl-cert\nStatus: deinstall ok config-files")
    (host["root"] / "status").write_text(removed)


def upgrade_package(host):
    (host["root"] / "status").write_text(DPKG_STATUS.replace("3.7.11-0+deb12u1", "3.7.12-0+deb12u1"))


def change_password(host):
    (host["root"] / "shadow").write_text("root:*:19000:0:99999:7:::\nnida:$6$salt$other:20001:0:99999:7:::\n")


def remove_user(host):
    (host["root"] / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")


def change_debconf(host):
    (host["root"] / "config.dat").write_text(DEBCONF.replace("Value: mail.nida.com", "Value: localhost"))


@pytest.mark.parametrize("drift, message", [
    (edit_main_cf, "main.cf: content changed"),
    (add_file, "extra.cf: added"),
    (chmod_mailname, "mailname: mode or owner changed"),
    (remove_mailname, "mailname: removed"),
    (stop_service, "service postfix: ActiveState=active UnitFileState=enabled -> ActiveState=inactive UnitFileState=enabled"),
    (disable_service, "service postfix: ActiveState=active UnitFileState=enabled -> ActiveState=active UnitFileState=disabled"),
    (remove_package, "package ssl-cert: 1.1.2 -> absent"),
    (upgrade_package, "package postfix: 3.7.11-0+deb12u1 -> 3.7.12-0+deb12u1"),
    (change_password, "user nida: changed"),
    (remove_user, "user nida: changed"),
    (change_debconf, "debconf answer postfix/mailname: changed"),
])
def test_drift_is_found(run_module, host, drift, message):
    record(run_module, host)
    drift(host)
    result = verify(run_module, host)
    assert result["converged"] is False
    assert any(line.endswith(message) for line in result["parts"]["postfix"]["drift"]), result["parts"]["postfix"]["drift"]
    # Verify only reads: the stamp stays, and a later run that puts the host right converges again.
    assert os.path.exists(os.path.join(host["state_dir"], "postfix.json"))
    # The password and the mail name never show in the output.
    assert "other" not in json.dumps(result) and "localhost" not in json.dumps(result)


def test_new_fingerprint_is_not_converged(run_module, host):
    record(run_module, host)
    result = verify(run_module, host, fingerprint="f2")
    assert result["parts"]["postfix"]["drift"] == ["the inputs or the code of the part changed since it was recorded"]


def test_a_part_that_observes_more_is_not_converged(run_module, host):
    record(run_module, host)
    result = verify(run_module, host, services=["postfix", "dovecot"])
    assert result["parts"]["postfix"]["drift"] == ["service dovecot: not observed -> ActiveState=inactive UnitFileState="]


def test_check_mode_records_nothing(run_module, host):
    assert record(run_module, host, check_mode=True)["converged"]
    assert not os.path.exists(host["state_dir"])


def test_drift_put_right_converges_again(run_module, host):
    record(run_module, host)
    stop_service(host)
    assert verify(run_module, host)["converged"] is False
    host["systemctl"].states["postfix"] = ("active", "enabled")
    assert verify(run_module, host)["converged"] is True


def test_parts_are_independent(run_module, host):
    other = part(host, name="dns", paths=[str(host["etc"] / "mailname")], services=[], users=[], debconf=[], packages=[])
    run_module("converged_state", {"step": "record", "parts": [part(host), other], "state_dir": host["state_dir"]})
    edit_main_cf(host)
    result = run_module("converged_state", {"parts": [part(host), other], "state_dir": host["state_dir"]})
    assert result["converged"] is False
    assert result["parts"]["postfix"]["converged"] is False and result["parts"]["dns"]["converged"] is True
    assert os.path.exists(os.path.join(host["state_dir"], "dns.json"))


def test_systemctl_is_called_once_for_all_services(run_module, host):
    record(run_module, host, services=["postfix", "dovecot", "named"])
    assert len(host["systemctl"].calls) == 1


def test_corrupt_stamp_is_not_converged(run_module, host):
    os.makedirs(host["state_dir"])
    with open(os.path.join(host["state_dir"], "postfix.json"), "w") as handle:
        handle.write("{not json")
    result = verify(run_module, host)
    assert result["converged"] is False
    assert "is not a stamp (not JSON)" in result["parts"]["postfix"]["drift"][0]


def test_many_differences_are_cut_short(run_module, host):
    record(run_module, host)
    for number in range(15):
        (host["etc"] / "postfix" / ("new%02d.cf" % number)).write_text("x\n")
    drift = verify(run_module, host)["parts"]["postfix"]["drift"]
    assert len(drift) == 11 and drift[-1] == "... and 5 more"


@pytest.mark.parametrize("changes, message", [
    ({"name": "../etc"}, "parts[0].name '../etc': use letters, digits, _ and - only"),
    ({"fingerprint": " "}, "parts[0] (postfix): fingerprint is empty"),
    ({"paths": ["etc/postfix"]}, "parts[0] (postfix): paths must be absolute, not 'etc/postfix'"),
])
def test_bad_parts_are_refused(run_module, host, changes, message):
    result = verify(run_module, host, **changes)
    assert result["failed"] and message in result["msg"]
    assert not os.path.exists(host["state_dir"])


def test_duplicate_part_names_are_refused(run_module, host):
    result = run_module("converged_state", {"parts": [part(host), part(host)], "state_dir": host["state_dir"]})
    assert result["failed"] and "the name 'postfix' is given twice" in result["msg"]
