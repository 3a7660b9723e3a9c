"""A domain whose DNS is at the registrar (mail_auth_publish: external, as the school inventory has
it): the run does not stop, and prints the records to create there, one line each, with the MX to
the school's server and the same SPF, DMARC and DKIM records the server signs with; the domain the
school's own DNS serves is not among them."""

import json

import pytest

from conftest import playbook

ALUMNI = "smk-alumni.test"


@pytest.fixture(scope="module")
def registrar_run(hosts):
    """The site run with a second mail domain that no DNS server of the inventory serves, the records the
    server keeps for it (its local fact), then the run without it again."""
    code, output = playbook("site", "--limit", "sekolah", "-e", '{"postfix_hosted_domains": ["%s"]}' % ALUMNI)
    fact = json.loads(hosts["sekolah"].file("/etc/ansible/facts.d/tkj_mail_auth.fact").content_string)
    back_code, back_output = playbook("site", "--limit", "sekolah")
    return {"code": code, "output": output, "records": fact["records"], "back": (back_code, back_output)}


def test_the_run_prints_the_records_to_create_at_the_registrar(registrar_run, school):
    assert registrar_run["code"] == 0, registrar_run["output"]
    output = registrar_run["output"]
    assert "%s  MX  @  10 %s." % (ALUMNI, school["hostname"]) in output
    alumni = [record for record in registrar_run["records"] if record["zone"] == ALUMNI]
    assert {record["name"] for record in alumni} >= {"@", "_dmarc"} and any("._domainkey" in record["name"] for record in alumni)
    for record in alumni:
        assert "%s  TXT  %s  %s" % (ALUMNI, record["name"], record["value"]) in output, record
    # The school's own domain is served by its own DNS: nothing to create elsewhere for it.
    assert "%s  MX  @" % school["domain"] not in output


def test_the_domain_goes_again_without_a_trace_in_the_output(registrar_run):
    code, output = registrar_run["back"]
    assert code == 0, output
    assert ALUMNI + "  " not in output
