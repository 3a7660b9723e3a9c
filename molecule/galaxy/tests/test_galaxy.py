"""Reuse from Galaxy: the collection installed from its tarball, not this checkout, is the one
Ansible uses, its module documentation is there, and the mail server that its roles built from
a playbook of their own delivers a message to ~/Maildir and serves it over IMAP."""

import json
import os
import pathlib

import pytest
import testinfra
import testinfra.utils.ansible_runner

from mailtests import maildir_files_with, probe, unique_subject, wait_for

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("all")

CONTROLLER = testinfra.get_host("local://")


def test_ansible_looks_only_in_the_install_path(installed):
    """Ansible's configured collections path is make galaxy's install path and nothing else, and no
    collections/ directory lies beside the playbook, where Ansible would look first."""
    settings = json.loads(CONTROLLER.check_output("ansible-config dump --format json"))
    collections_paths = [setting["value"] for setting in settings if setting.get("name") == "COLLECTIONS_PATHS"]
    assert collections_paths == [[str(installed["collections_path"])]]
    assert not (pathlib.Path(os.environ["MOLECULE_SCENARIO_DIRECTORY"]) / "collections").exists()


def test_only_the_installed_collection_is_found(installed):
    """ansible-galaxy, which also searches the Python packages' collections, finds the collection
    once: in the install path, with the version of galaxy.yml."""
    listing = json.loads(CONTROLLER.check_output("ansible-galaxy collection list %s --format json", installed["name"]))
    found = {path: collections[installed["name"]]["version"] for path, collections in listing.items() if installed["name"] in collections}
    assert found == {str(installed["collections_path"] / "ansible_collections"): installed["version"]}


def test_installed_copy_is_the_built_artifact(installed):
    """The collection's directory is a real copy unpacked from the tarball (MANIFEST.json, which a
    checkout does not have, names the version), not a link back to this checkout."""
    directory = installed["directory"]
    assert not directory.is_symlink()
    assert directory.resolve().is_relative_to(installed["collections_path"].resolve())
    manifest = json.loads((directory / "MANIFEST.json").read_text(encoding="utf-8"))
    assert "%s.%s" % (manifest["collection_info"]["namespace"], manifest["collection_info"]["name"]) == installed["name"]
    assert manifest["collection_info"]["version"] == installed["version"]


def test_module_docs_from_the_installed_copy(installed):
    """ansible-doc tkj.mailserver.postconf reads the module from the installed copy and shows its
    documentation."""
    module = installed["name"] + ".postconf"
    docs = json.loads(CONTROLLER.check_output("ansible-doc --json -t module %s", module))[module]["doc"]
    assert pathlib.Path(docs["filename"]).resolve().is_relative_to(installed["directory"].resolve())
    assert docs["module"] == "postconf" and docs["short_description"]


@pytest.mark.usefixtures("mail_client")
def test_message_delivered_to_maildir_and_read_over_imap(host, playbook_vars):
    """A message to the playbook's user at its domain, sent over SMTP, lands in ~/Maildir/new and
    comes back over IMAP after STARTTLS with the user's password."""
    user = playbook_vars["dovecot_users"][0]
    address = "%s@%s" % (user["name"], playbook_vars["galaxy_domain"])
    subject = unique_subject("galaxy")
    body = "Dari Galaxy ke Maildir.\n"

    sent = probe(host, "send", "--port", 25, "--to", address, "--subject", subject, "--body", body)
    assert sent["ok"], sent

    files = wait_for(lambda: maildir_files_with(host, user["name"], subject), what="delivery to ~/Maildir/new")
    assert len(files) == 1

    imap = probe(host, "imap", "--port", 143, "--starttls", "--user", user["name"], "--subject", subject, password=user["password"])
    assert imap["login"], imap
    assert [(message["subject"], message["body"].strip()) for message in imap["messages"]] == [(subject, body.strip())]
