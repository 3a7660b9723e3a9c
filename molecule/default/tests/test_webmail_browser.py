"""The webmail in a real browser: Debian's headless Chromium, driven by Selenium through Debian's
chromedriver, against each server of the scenario (Debian 12 and 13). The browser trusts only
the lab CA (a certificate store of its own) and resolves only the webmail's name, to the
container's address: every other name fails, so it reaches nothing else.

User A logs in, writes to user B with an attachment and sends; B finds it in the inbox, opens it
(subject, body, attachment name) and replies; A sees the reply. A wrong password gets Roundcube's
login error. A screenshot of B's inbox is written to build/."""

import base64
import os
import pathlib
import shutil
import subprocess
import tempfile

import pytest
import testinfra.utils.ansible_runner
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as wait_until
from selenium.webdriver.support.ui import WebDriverWait

from mailtests import lab_ca_file, unique_subject

INVENTORY = os.environ["MOLECULE_INVENTORY_FILE"]
testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(INVENTORY).get_hosts("webmail_servers")
PROJECT = pathlib.Path(os.environ["MOLECULE_PROJECT_DIRECTORY"])
SCREENSHOTS = PROJECT / "build" / "screenshots"
# Selenium is told where Debian's browser and driver are; its manager must neither download a
# browser or driver nor send usage statistics.
os.environ.update(SE_OFFLINE="true", SE_AVOID_STATS="true", SE_AVOID_BROWSER_DOWNLOAD="true")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
TIMEOUT = 30


@pytest.fixture(scope="module")
def browser_home():
    """A home directory whose NSS certificate store trusts the lab CA, the file on the controller."""
    with tempfile.TemporaryDirectory(prefix="tkj-browser-") as home:
        store = "sql:%s/.pki/nssdb" % home
        os.makedirs("%s/.pki/nssdb" % home)
        subprocess.run(["certutil", "-N", "-d", store, "--empty-password"], check=True)
        subprocess.run(["certutil", "-A", "-d", store, "-n", "tkj lab CA", "-t", "C,,", "-i", str(lab_ca_file(INVENTORY))], check=True)
        yield home


@pytest.fixture(scope="module")
def browser(host, lab, browser_home):
    """Headless Chromium that resolves the webmail's name to this server and nothing else."""
    address = host.interface("eth0").addresses[0]
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900",
                     "--user-data-dir=%s/profile" % browser_home,
                     "--host-resolver-rules=MAP %s %s, MAP * ~NOTFOUND" % (lab["webmail"], address),
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-domain-reliability", "--disable-client-side-phishing-detection",
                     "--no-first-run", "--no-default-browser-check", "--lang=id"):
        options.add_argument(argument)
    service = Service(executable_path=CHROMEDRIVER, env=dict(os.environ, HOME=browser_home))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(TIMEOUT)
    yield driver
    driver.quit()


def wait(driver):
    return WebDriverWait(driver, TIMEOUT)


def log_in(driver, lab, user, password):
    """Roundcube's login form, filled as a user does, in a fresh session (the previous user's
    session cookie is dropped, as when a student closes the browser)."""
    driver.delete_all_cookies()
    driver.get("https://%s/" % lab["webmail"])
    wait(driver).until(wait_until.visibility_of_element_located((By.ID, "rcmloginuser"))).send_keys(user)
    driver.find_element(By.ID, "rcmloginpwd").send_keys(password)
    driver.find_element(By.ID, "rcmloginsubmit").click()


def logged_in(driver):
    """Wait for the mailbox (the message list) after a login."""
    wait(driver).until(wait_until.presence_of_element_located((By.ID, "messagelist")))


def compose_and_send(driver, lab, to, subject, body, attachment=None, url=None):
    """Write a message in Roundcube's compose screen (or the reply screen at ``url``) and send it."""
    driver.get(url or "https://%s/?_task=mail&_action=compose" % lab["webmail"])
    subject_field = wait(driver).until(wait_until.visibility_of_element_located((By.ID, "compose-subject")))
    if to:
        # Roundcube's recipient widget: the visible input turns "address," into a recipient.
        driver.find_element(By.CSS_SELECTOR, "#compose_to .recipient-input input[type=text]").send_keys(to + ",")
    if subject:
        subject_field.clear()
        subject_field.send_keys(subject)
    driver.find_element(By.ID, "composebody").send_keys(body)
    if attachment:
        # The file input behind the "attach" button is hidden; a user's file dialog fills it.
        upload = driver.find_element(By.CSS_SELECTOR, "input[type=file][name='_attachments[]']")
        driver.execute_script("arguments[0].style.display = 'block';", upload)
        upload.send_keys(str(attachment))
        wait(driver).until(lambda d: attachment.name in d.find_element(By.ID, "attachment-list").text)
    driver.execute_script("rcmail.command('send', '')")
    # Once the message is sent, Roundcube goes back to the mailbox.
    wait(driver).until(lambda d: "_action=compose" not in d.current_url)
    logged_in(driver)


def rows_with_subject(driver, subject):
    return [row for row in driver.find_elements(By.CSS_SELECTOR, "#messagelist tbody tr") if subject in row.text]


def inbox_row(driver, lab, subject):
    """The INBOX with the message ``subject`` listed (reloading until it is there), once Roundcube
    has finished loading; the message's row."""
    def loaded_with_row(current):
        current.get("https://%s/?_task=mail&_mbox=INBOX" % lab["webmail"])
        try:  # the list is filled after the page has loaded
            rows = WebDriverWait(current, 5).until(lambda d: rows_with_subject(d, subject))
            WebDriverWait(current, 5).until(lambda d: not d.find_elements(By.CSS_SELECTOR, "#messagestack .loading"))
        except TimeoutException:
            return False
        return rows[0]
    return WebDriverWait(driver, 60, poll_frequency=2).until(loaded_with_row)


def open_message(driver, lab, subject):
    """Open the message with ``subject`` from the INBOX; return its UID."""
    row = inbox_row(driver, lab, subject)
    # Roundcube names each row after its UID, base64-encoded (html_identifier).
    encoded = row.get_attribute("id")[len("rcmrow"):]
    uid = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    driver.get("https://%s/?_task=mail&_mbox=INBOX&_uid=%s&_action=show" % (lab["webmail"], uid))
    wait(driver).until(wait_until.presence_of_element_located((By.ID, "messagebody")))
    return uid


def test_a_message_with_an_attachment_goes_from_a_to_b_and_the_reply_back(browser, lab, tmp_path, host):
    """A sends B a message with an attachment; B reads subject, body and attachment name and
    replies; A finds the reply. Everything through the webmail, in the browser."""
    sender, recipient = lab["users"][0], lab["users"][-1]
    subject = unique_subject("webmail")
    body = "Halo %s, ini dari webmail.\n" % recipient["name"]
    attachment = tmp_path / "tugas-kelas.txt"
    attachment.write_text("Lampiran kecil untuk uji webmail.\n")

    log_in(browser, lab, sender["name"], sender["password"])
    logged_in(browser)
    compose_and_send(browser, lab, "%s@%s" % (recipient["name"], lab["domain"]), subject, body, attachment)

    log_in(browser, lab, recipient["name"], recipient["password"])
    logged_in(browser)
    uid = open_message(browser, lab, subject)
    assert subject in browser.find_element(By.CSS_SELECTOR, "h2.subject").text
    assert body.strip() in browser.find_element(By.ID, "messagebody").text
    assert attachment.name in browser.find_element(By.ID, "attachment-list").text
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    inbox_row(browser, lab, subject)
    browser.save_screenshot(str(SCREENSHOTS / ("webmail-inbox-%s.png" % host.backend.host)))
    compose_and_send(browser, lab, None, None, "Terima kasih, sudah saya terima.\n",
                     url="https://%s/?_task=mail&_reply_uid=%s&_mbox=INBOX&_action=compose" % (lab["webmail"], uid))

    log_in(browser, lab, sender["name"], sender["password"])
    logged_in(browser)
    open_message(browser, lab, "Re: " + subject)
    assert "Terima kasih" in browser.find_element(By.ID, "messagebody").text


# Read in one script, in the page: Roundcube replaces its messages while they are read, and a node read
# across several WebDriver calls may be gone by the next one.
LOGIN_MESSAGE_SCRIPT = """
for (const element of document.querySelectorAll('#messagestack div')) {
  const shown = element.getClientRects().length > 0 && getComputedStyle(element).visibility !== 'hidden';
  if (shown && !element.classList.contains('loading') && element.innerText.trim()) { return element.innerText; }
}
return false;
"""


def login_message(driver):
    """The text of the message Roundcube shows in its message stack, once one other than its loading
    notice is shown; False until then."""
    return driver.execute_script(LOGIN_MESSAGE_SCRIPT)


def test_a_wrong_password_gets_the_login_error(browser, lab):
    """A wrong password: Roundcube shows its login error and the login form again, no mailbox."""
    log_in(browser, lab, lab["users"][0]["name"], "bukan-kata-sandinya")
    # Roundcube first shows a loading notice in the same place and then replaces it: wait for a shown
    # message with text that is not the notice.
    assert WebDriverWait(browser, TIMEOUT).until(login_message)
    assert browser.find_elements(By.ID, "rcmloginuser")
    with pytest.raises(TimeoutException):
        WebDriverWait(browser, 3).until(wait_until.presence_of_element_located((By.ID, "messagelist")))


def test_the_page_is_https_with_the_lab_certificate(browser, lab):
    """The browser loaded the login page over HTTPS with no certificate warning (it trusts only the
    lab CA), and plain HTTP lands on HTTPS."""
    browser.get("http://%s/" % lab["webmail"])
    wait(browser).until(wait_until.visibility_of_element_located((By.ID, "rcmloginuser")))
    assert browser.current_url == "https://%s/" % lab["webmail"]
    assert browser.execute_script("return window.isSecureContext") is True
