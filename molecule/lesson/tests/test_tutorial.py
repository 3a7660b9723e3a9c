"""Grading servers built by hand: after tkj.mailserver.reset, both students built their servers by
the tutorial's steps (lesson.yml ran tutorial.sh). The tutorial profile passes them with warnings
that teach the better way, and the collection's own profile does not."""

import pytest

from conftest import STUDENTS, check, found

TUTORIAL = ("-e", "check_profile=tutorial")


@pytest.fixture(scope="module")
def tutorial_check():
    return check(*TUTORIAL)


def test_the_hand_built_class_passes_the_tutorial_profile(tutorial_check):
    code, output, rows = tutorial_check
    assert code == 0, output
    assert sorted(rows) == sorted(STUDENTS)
    for server, domain in STUDENTS.items():
        assert not [item for item in rows[server] if item["result"] == "FAILED"], rows[server]
        mailbox = found(rows[server], "Mailbox")
        assert mailbox and mailbox[0]["result"] == "OK" and "Dovecot reads maildir:" in mailbox[0]["seen"], rows[server]
        # The message went over 25, as the tutorial's clients send, and was read back over IMAP and POP3.
        message = found(rows[server], "Message")[0]
        assert message["result"] == "OK" and "ani@%s -> budi@%s over 25" % (domain, domain) in message["seen"], message
        assert found(rows[server], "Class mail")[0]["result"] == "OK", rows[server]


def test_what_the_tutorial_builds_is_a_warning_with_a_fix_in_both_languages(tutorial_check):
    _code, _output, rows = tutorial_check
    for server in STUDENTS:
        warned = {item["check"]: item for item in rows[server] if item["result"] == "WARNING"}
        # Debian's snakeoil certificate, no 587, and the tutorial's mynetworks 0.0.0.0/0.
        assert {"Certificate", "SMTP 25", "SMTP 587", "Open relay"} <= set(warned), rows[server]
        assert "certificate not verified" in warned["SMTP 25"]["seen"]
        assert "mynetworks" in warned["Open relay"]["fix"] and "[ID]" in warned["Open relay"]["fix"]
        assert all("[ID]" in item["fix"] for item in warned.values()), warned


def test_the_collections_own_profile_fails_a_hand_built_server():
    code, output, rows = check("-l", "murid01,pengajar")
    assert code != 0, output
    failed = {item["check"] for item in rows["murid01"] if item["result"] == "FAILED"}
    assert {"SMTP 25", "SMTP 587", "Certificate"} <= failed, rows["murid01"]
