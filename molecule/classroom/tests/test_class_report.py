"""The class report: tkj.mailserver.check on the classroom inventory sends a message from each
student's server to the next one round the class, reads it back there, and shows the class in one
table; a student whose Postfix is stopped is the one that needs help, and the others are still
checked."""

import json
import re

from mailtests import queue_is_empty, wait_for

TABLE = re.compile(r'^ok: \[([^\]]+)\] => \{\s*"msg": (\[.*?\])\s*\}$', re.MULTILINE | re.DOTALL)
CLASS_TITLE = "tkj.mailserver.check: the class, "
RING = (("siswa01", "siswa02"), ("siswa02", "siswa03"), ("siswa03", "siswa01"))


def printed(output):
    """The tables the run printed: ({server: its table}, the class table)."""
    servers, class_table = {}, None
    for match in TABLE.finditer(output):
        lines = json.loads(match.group(2))
        if lines and lines[0].startswith(CLASS_TITLE):
            class_table = lines
        else:
            servers[match.group(1)] = lines
    return servers, class_table


def class_row(class_table, server):
    """The class table's line of ``server``, split into its columns."""
    line = next(line for line in class_table if line.startswith(server + " "))
    return line.split(None, 4)


def test_the_class_report_passes_when_every_student_mails_the_next(run_check):
    code, output = run_check()
    assert code == 0, output
    servers, class_table = printed(output)
    assert sorted(servers) == ["siswa01", "siswa02", "siswa03"], output
    for sender, receiver in RING:
        row = next(line for line in servers[sender] if line.startswith("Class mail "))
        assert row.startswith("Class mail   OK       ani@%s.lab -> ani@%s.lab, read back on %s" % (sender, receiver, receiver)), row
    assert class_table[0] == CLASS_TITLE + "3 servers (each sends to the next, the last to the first)"
    for name in ("siswa01", "siswa02", "siswa03"):
        assert class_row(class_table, name) == [name, "OK", "OK", "OK", "none"], class_table
    assert class_table[-1] == "Needs help: nobody"


def test_a_student_whose_postfix_is_stopped_needs_help_and_the_others_pass(run_check, students):
    host = students["siswa02"]["host"]
    host.run_test("systemctl stop postfix")
    try:
        code, output = run_check()
    finally:
        host.run_test("systemctl start postfix")
        # siswa01's message to siswa02 waited in its queue: it goes now, and the next tests start clean.
        students["siswa01"]["host"].run_test("postqueue -f")
        wait_for(lambda: queue_is_empty(students["siswa01"]["host"]), timeout=60, what="siswa01's queue to empty")
    assert code != 0, output
    servers, class_table = printed(output)
    # Every student was still checked.
    assert sorted(servers) == ["siswa01", "siswa02", "siswa03"], output
    own, sends, receives, failed = class_row(class_table, "siswa02")[1:]
    assert (own, sends, receives) == ("FAILED", "FAILED", "FAILED") and "Services" in failed and "SMTP 25" in failed, class_table
    # The others pass their own checks; only their mail to and from siswa02 fails.
    assert class_row(class_table, "siswa01")[1:4] == ["OK", "FAILED", "OK"], class_table
    assert class_row(class_table, "siswa03")[1:4] == ["OK", "OK", "FAILED"], class_table
    assert class_table[-1] == "Needs help: siswa02"
    assert "siswa02: postfix is inactive" in " ".join(servers["siswa02"])
