"""The students' sheets (tkj.mailserver.sheets): one page per student beside the inventory, readable only
by the teacher, each with that student's own passwords (made once on the controller, different for
every student, the ones their server takes), the ports and the class CA's fingerprint as openssl shows it."""

import os
import pathlib
import re
import stat
import subprocess
import sys

from conftest import CLASS_INVENTORY, INVENTORY, PASSWORDS

SHEETS = pathlib.Path(INVENTORY).parent / "sheets"
CA_FILE = pathlib.Path(INVENTORY).parent / ".lab-ca" / "lab-ca.crt"


def test_each_student_gets_a_sheet_with_their_own_passwords(students):
    run = subprocess.run([str(pathlib.Path(sys.executable).with_name("ansible-playbook")), "-i", INVENTORY, "-i", str(CLASS_INVENTORY),
                          "tkj.mailserver.sheets", "-v"], env=dict(os.environ, ANSIBLE_NOCOLOR="1"),
                         capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    passwords = {name: [user["password"] for user in student["users"]] for name, student in students.items()}
    assert all(password not in run.stdout + run.stderr for listed in passwords.values() for password in listed)
    # Each student's own: no password is given to two students.
    every = [password for listed in passwords.values() for password in listed]
    assert len(set(every)) == len(every) == sum(len(student["users"]) for student in students.values()) > 0
    assert stat.S_IMODE(SHEETS.stat().st_mode) == 0o700
    fingerprint = subprocess.run(["openssl", "x509", "-noout", "-fingerprint", "-sha256", "-in", str(CA_FILE)],
                                 capture_output=True, text=True, check=True).stdout.strip().split("=", 1)[1]
    for name, student in students.items():
        sheet = SHEETS / ("%s.html" % name)
        assert stat.S_IMODE(sheet.stat().st_mode) == 0o600
        text = sheet.read_text(encoding="utf-8")
        assert "<code>mail.%s</code>" % student["domain"] in text and "<code>%s</code>" % student["address"] in text
        for user in student["users"]:
            assert '<td class="secret">%s</td>' % user["password"] in text
        others = [password for other, listed in passwords.items() if other != name for password in listed]
        assert not [password for password in others if password in text]
        assert fingerprint in text
        assert re.search(r"<td>993</td>.*<td>995</td>.*<td>587</td>", text, re.DOTALL)
    assert (SHEETS / "kelas.html").read_text(encoding="utf-8").count("<section>") == len(students)
    assert PASSWORDS.is_dir() and stat.S_IMODE(PASSWORDS.stat().st_mode) == 0o700
