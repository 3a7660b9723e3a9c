"""A class built from inventories/classroom: the teacher's DNS server answers for every student's
domain, and every student's server mails every other one, over TLS verified against the class CA,
signed with DKIM, read back by the recipient; a domain outside the class gets nothing."""

import itertools

import pytest

from mailtests import maildir_files_with, probe, queue_is_empty, unique_subject, wait_for

PAIRS = list(itertools.permutations(("siswa01", "siswa02", "siswa03"), 2))


def headers(text, name):
    """The unfolded values of the header fields called ``name``."""
    head = text.split("\n\n", 1)[0].replace("\n\t", " ").replace("\n ", " ")
    return [line.split(":", 1)[1].strip() for line in head.splitlines() if line.lower().startswith(name.lower() + ":")]


@pytest.mark.parametrize("name", ["siswa01", "siswa02", "siswa03"])
def test_the_teacher_answers_for_each_students_domain(teacher, students, name):
    student = students[name]
    assert teacher.check_output("dig +short MX %s @127.0.0.1", student["domain"]) == "10 mail.%s." % student["domain"]
    assert teacher.check_output("dig +short A mail.%s @127.0.0.1", student["domain"]) == student["address"]
    assert teacher.check_output("dig +short -x %s @127.0.0.1", student["address"]) == "mail.%s." % student["domain"]
    # Nothing outside the class: the teacher is no resolver.
    assert "status: REFUSED" in teacher.check_output("dig MX debian.org @127.0.0.1")


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
