"""A class built from inventories/classroom and its list of students, in the DNS model it is in (hosted, then delegated):
the teacher's DNS server answers for every student's domain (itself, or by delegation to the
student's BIND), each student's BIND finds the others through it, nothing outside the class is
resolved, and every student's server mails every other one, over TLS verified against the class CA,
signed with DKIM, read back by the recipient; a domain outside the class gets nothing."""

import itertools
import os
import pathlib
import re
import uuid

import pytest

from mailtests import maildir_files_with, probe, queue_is_empty, unique_subject, wait_for

SCENARIO = pathlib.Path(os.environ["MOLECULE_SCENARIO_DIRECTORY"])
PAIRS = list(itertools.permutations(("siswa01", "siswa02", "siswa03"), 2))


def headers(text, name):
    """The unfolded values of the header fields called ``name``."""
    head = text.split("\n\n", 1)[0].replace("\n\t", " ").replace("\n ", " ")
    return [line.split(":", 1)[1].strip() for line in head.splitlines() if line.lower().startswith(name.lower() + ":")]


def dig(host, *args):
    """dig's full answer on ``host``."""
    return host.check_output("dig " + " ".join(["%s"] * len(args)), *args)


@pytest.mark.parametrize("name", ["siswa01", "siswa02", "siswa03"])
def test_the_teacher_answers_for_each_students_domain(teacher, students, dns_model, name):
    """Hosted: the teacher is authoritative for the student's zone. Delegated: it is authoritative
    for lab only, and refers a question for the student's domain to the student's BIND with glue;
    asked to recurse, it follows that delegation. Either way it has the PTR."""
    student = students[name]
    domain, address = student["domain"], student["address"]
    if dns_model == "hosted":
        answer = dig(teacher, "+norecurse", "MX", domain, "@127.0.0.1")
        assert "flags: qr aa" in answer and "10 mail.%s." % domain in answer, answer
    else:
        # A name nobody asked before, so that the teacher has nothing of it in its cache.
        referral = dig(teacher, "+norecurse", "A", "probe-%s.%s" % (uuid.uuid4().hex[:12], domain), "@127.0.0.1")
        assert "status: NOERROR" in referral and "ANSWER: 0" in referral, referral
        assert re.search(r"^%s\.\s+\d+\s+IN\s+NS\s+ns\.%s\.$" % (re.escape(domain), re.escape(domain)), referral, re.MULTILINE), referral
        assert re.search(r"^ns\.%s\.\s+\d+\s+IN\s+A\s+%s$" % (re.escape(domain), re.escape(address)), referral, re.MULTILINE), referral
        assert "flags: qr aa" not in referral, referral
        assert teacher.check_output("dig +short NS lab @127.0.0.1") == "ns.lab."
    assert teacher.check_output("dig +short MX %s @127.0.0.1", domain) == "10 mail.%s." % domain
    assert teacher.check_output("dig +short A mail.%s @127.0.0.1", domain) == address
    assert teacher.check_output("dig +short -x %s @127.0.0.1", address) == "mail.%s." % domain


def test_nothing_outside_the_class_is_asked_of_the_internet(teacher, students, dns_model):
    """Hosted: the teacher is no resolver (REFUSED). Delegated: it recurses, but it is the root of
    the class's namespace, so a name outside the class does not exist (NXDOMAIN) without a question
    to the internet's root servers. A student's BIND forwards only to the teacher: it has no
    answer of its own for such a name either."""
    if dns_model == "hosted":
        assert "status: REFUSED" in dig(teacher, "MX", "debian.org", "@127.0.0.1")
    else:
        assert "status: NXDOMAIN" in dig(teacher, "MX", "debian.org", "@127.0.0.1")
        assert teacher.check_output("dig +short NS . @127.0.0.1") == "ns.lab."
    for student in students.values():
        answer = dig(student["host"], "MX", "debian.org", "@" + student["address"])
        assert "status: NXDOMAIN" in answer if dns_model == "delegated" else "status: SERVFAIL" in answer, answer
        assert "ANSWER: 0" in answer, answer


@pytest.mark.parametrize("name", ["siswa01", "siswa02", "siswa03"])
def test_each_students_bind_finds_the_others_through_the_teacher(students, dns_model, name):
    """The student's own BIND (its resolver) answers for every student's domain: its own zone
    itself in the delegated model, the rest forwarded to the teacher."""
    student = students[name]
    for other in students.values():
        answer = dig(student["host"], "MX", other["domain"], "@" + student["address"])
        assert "10 mail.%s." % other["domain"] in answer, answer
        own = dns_model == "delegated" and other is student
        assert ("flags: qr aa" in answer) == own, answer
    assert student["host"].file("/etc/resolv.conf").contains("^nameserver %s$" % re.escape(student["address"]))


@pytest.mark.parametrize("sender_name, recipient_name", PAIRS)
def test_every_student_mails_every_other(students, sender_name, recipient_name):
    """The first user of one student's server sends to the second user of another's over submission;
    the recipient's server took it over verified TLS, found the DKIM signature good, and serves it
    over IMAPS."""
    sender, recipient = students[sender_name], students[recipient_name]
    subject = unique_subject("%s-to-%s" % (sender_name, recipient_name))
    user, reader = sender["users"][0], recipient["users"][1]
    sent = probe(sender["host"], "send", "--port", 587, "--starttls", "--user", user["name"],
                 "--sender", "%s@%s" % (user["name"], sender["domain"]), "--to", "%s@%s" % (reader["name"], recipient["domain"]),
                 "--subject", subject, password=user["password"])
    assert sent["ok"], sent
    files = wait_for(lambda: maildir_files_with(recipient["host"], reader["name"], subject), timeout=60,
                     what="%s in %s's Maildir on %s" % (subject, reader["name"], recipient_name))
    text = recipient["host"].file(files[0]).content_string
    received = headers(text, "Received")[0]
    assert "mail.%s" % sender["domain"] in received and "(using TLS" in received, received
    results = " ".join(value for value in headers(text, "Authentication-Results") if value.startswith("mail." + recipient["domain"]))
    assert "dkim=pass" in results and "header.d=%s" % sender["domain"] in results, results
    read = probe(recipient["host"], "imap", "--port", 993, "--ssl", "--user", reader["name"], "--subject", subject,
                 password=reader["password"])
    assert [message["subject"] for message in read["messages"]] == [subject]


def test_a_domain_outside_the_class_gets_nothing(students):
    """Lab isolation: a student's server refuses mail to any domain that is not the class's."""
    sender = students["siswa01"]
    user = sender["users"][0]
    sent = probe(sender["host"], "send", "--port", 587, "--starttls", "--user", user["name"],
                 "--sender", "%s@%s" % (user["name"], sender["domain"]), "--to", "someone@siswa99.invalid",
                 "--subject", unique_subject("outside"), password=user["password"])
    assert not sent["ok"] and sent["code"] >= 500 and sent["error"].startswith("5.7.1 "), sent
    assert queue_is_empty(sender["host"])


def test_the_class_is_made_from_its_list(class_inventory, students):
    """class/siswa.csv (semicolons, siswa02 without a domain) is the class: the plugin makes each line a
    student's server among the mail and DNS servers, and each server was set up for its own line's domain."""
    rows = (SCENARIO / "class" / "siswa.csv").read_text(encoding="utf-8").splitlines()[1:]
    listed = [dict(zip(("name", "domain", "address"), row.split(";"))) for row in rows if row]
    for row in listed:
        row["domain"] = row["domain"] or row["name"] + ".lab"
    assert class_inventory["_meta"]["hostvars"]["guru"]["classroom_students"] == listed
    assert sorted(class_inventory["students"]["hosts"]) == sorted(row["name"] for row in listed) == sorted(students)
    assert sorted(class_inventory["mail_servers"]["children"]) == ["students"]
    for row in listed:
        host = students[row["name"]]["host"]
        assert host.check_output("postconf -h mydomain") == row["domain"]
        assert host.check_output("postconf -h myhostname") == "mail." + row["domain"]
