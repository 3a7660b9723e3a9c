"""The class report: tkj.mailserver.check on the classroom inventory sends a message from each
student's server to the next one round the class, reads it back there, and shows the class in one
table; a student whose Postfix is stopped is the one that needs help, and the others are still
checked."""

import csv
import io
import json
import os
import pathlib
import re
import shutil
import tempfile
from datetime import date

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from mailtests import queue_is_empty, wait_for

SCREENSHOTS = pathlib.Path(os.environ["MOLECULE_PROJECT_DIRECTORY"]) / "build" / "screenshots"
# Selenium is told where Debian's browser and driver are; it downloads nothing and reaches no network.
os.environ.update(SE_OFFLINE="true", SE_AVOID_STATS="true", SE_AVOID_BROWSER_DOWNLOAD="true")
REPORT_LINE = re.compile(r"^Report: (/\S+)\.html and (/\S+)\.csv$")

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


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium for the report's file, with no name resolution at all."""
    with tempfile.TemporaryDirectory(prefix="tkj-report-browser-") as home:
        options = webdriver.ChromeOptions()
        options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
        for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1100,700", "--user-data-dir=%s/profile" % home,
                         "--host-resolver-rules=MAP * ~NOTFOUND", "--disable-background-networking", "--disable-component-update",
                         "--disable-sync", "--no-first-run", "--no-default-browser-check"):
            options.add_argument(argument)
        service = Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver", env=dict(os.environ, HOME=home))
        driver = webdriver.Chrome(service=service, options=options)
        yield driver
        driver.quit()


def kept_report(class_table):
    """The HTML and CSV files the class table's last line names; both exist."""
    match = REPORT_LINE.match(class_table[-1])
    assert match and match.group(1) == match.group(2), class_table[-1]
    files = pathlib.Path(match.group(1) + ".html"), pathlib.Path(match.group(2) + ".csv")
    assert all(path.is_file() for path in files), files
    return files


def class_row(class_table, server):
    """The class table's line of ``server``, split into its columns."""
    line = next(line for line in class_table if line.startswith(server + " "))
    return line.split(None, 4)


def test_the_class_report_passes_when_every_student_mails_the_next(run_check, browser):
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
    assert class_table[-2] == "Needs help: nobody"
    html_file, csv_file = kept_report(class_table)
    lines = list(csv.DictReader(io.StringIO(csv_file.read_text(encoding="utf-8"))))
    assert {line["server"] for line in lines} == {"siswa01", "siswa02", "siswa03"}
    assert all(line["result"] == "OK" for line in lines if line["check"] == "Class mail") and len(lines) > 3 * 5
    assert {line["date"] for line in lines} == {date.today().isoformat()}
    # Each student's Roundcube, logged in to through its own form (webmail.DOMAIN, the class CA verified).
    webmail = {line["server"]: line for line in lines if line["check"] == "Webmail"}
    assert sorted(webmail) == ["siswa01", "siswa02", "siswa03"], lines
    for name, line in webmail.items():
        assert line["result"] == "OK" and line["seen"].startswith("https://webmail.%s.lab/: login as ani, the mailbox opened" % name), line
    # The page as a teacher's browser shows it.
    browser.get(html_file.as_uri())
    assert browser.find_element(By.TAG_NAME, "h1").text == "Laporan kelas (class report) %s" % date.today().isoformat()
    summary = browser.find_elements(By.CSS_SELECTOR, "table")[0].find_elements(By.TAG_NAME, "tr")
    assert [row.find_elements(By.TAG_NAME, "td")[0].text for row in summary[1:]] == ["siswa01", "siswa02", "siswa03"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / "class-report.png"))


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
    assert class_table[-2] == "Needs help: siswa02"
    # A second run the same day keeps the first's files and adds its own.
    html_file, csv_file = kept_report(class_table)
    day, number = csv_file.stem.rsplit("-", 1)
    assert int(number) >= 2 and csv_file.with_name(day + "-1.csv").is_file() and html_file.with_name(day + "-1.html").is_file()
    lines = list(csv.DictReader(io.StringIO(csv_file.read_text(encoding="utf-8"))))
    failed = {line["check"] for line in lines if line["server"] == "siswa02" and line["result"] == "FAILED"}
    assert {"Services", "SMTP 25"} <= failed, lines
    assert all(line["fix"] for line in lines if line["result"] == "FAILED")
    assert "siswa02: postfix is inactive" in " ".join(servers["siswa02"])
