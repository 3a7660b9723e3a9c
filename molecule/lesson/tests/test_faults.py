"""Troubleshooting exercises: tkj.mailserver.fault breaks a hand-built student's server in named
ways, the tutorial profile of tkj.mailserver.check names each fault with its fix, and taking the
faults away (fault_state=absent) makes the server pass again."""

import json

import pytest

from conftest import check, found, playbook, recap_changed

# Faults that do not hide one another, set together: (fault, the check's row, what it says). The
# Maildir made root's is budi's, who received the check's message (ani, its sender, has none yet).
ROUNDS = (
    (("wrong_mx", "DNS MX", "mailx.murid01.lab"),
     ("postfix_stopped", "Services", "postfix is inactive"),
     ("dovecot_stopped", "Services", "dovecot is inactive"),
     ("port25_blocked", "SMTP 25", "the firewall stops port 25")),
    (("no_a_record", "DNS A", "mail.murid01.lab has no A record"),
     ("wrong_mail_location", "Mailbox", "Dovecot reads mbox"),
     ("maildir_owned_by_root", "Mailbox", "is owned by root, not budi")),
)
FAULTS = [fault for faults in ROUNDS for fault in faults]


def set_faults(names, state):
    code, output = playbook("fault", "-l", "murid01", "-e", json.dumps({"fault": list(names), "fault_state": state, "fault_user": "budi"}))
    assert code == 0, output
    return output


@pytest.fixture(scope="module")
def fault_checks():
    """Each round's faults set on murid01, checked, and taken away; {fault: murid01's rows}. First a
    check without faults: it passes, and its message makes the users' ~/Maildir."""
    code, output, _rows = check("-l", "murid01,pengajar", "-e", "check_profile=tutorial")
    assert code == 0, output
    seen = {}
    for faults in ROUNDS:
        names = [name for name, _check, _text in faults]
        set_faults(names, "present")
        assert recap_changed(set_faults(names, "present")) == 0, "setting the faults again changed something"
        try:
            code, output, rows = check("-l", "murid01,pengajar", "-e", "check_profile=tutorial")
        finally:
            set_faults(names, "absent")
        assert code != 0, output
        seen.update((name, rows["murid01"]) for name in names)
    return seen


@pytest.mark.parametrize("fault, check_name, text", FAULTS, ids=[fault[0] for fault in FAULTS])
def test_the_check_names_each_fault_and_its_fix(fault_checks, fault, check_name, text):
    rows = found(fault_checks[fault], check_name)
    assert rows and rows[0]["result"] == "FAILED", fault_checks[fault]
    assert text in rows[0]["seen"] + " " + rows[0]["fix"], rows[0]
    # The fix in English and in Bahasa Indonesia.
    assert "[ID]" in rows[0]["fix"], rows[0]


def test_the_server_passes_again_once_the_faults_are_taken_away(fault_checks):
    assert fault_checks
    code, output, rows = check("-l", "murid01,pengajar", "-e", "check_profile=tutorial")
    assert code == 0, output
    assert not [item for item in rows["murid01"] if item["result"] == "FAILED"], rows["murid01"]
