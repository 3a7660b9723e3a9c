"""Fixtures for the multinode scenario: every lab host by name, its inventory values, the mail
client installed on the client container, and playbooks/site.yml run from the controller."""

import json
import os
import pathlib
import signal
import subprocess
import sys
import threading

import pytest
import testinfra

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "shared"))

from mailtests import install_probe, lab_ca_file  # noqa: E402  pylint: disable=wrong-import-position

INVENTORY = os.environ["MOLECULE_INVENTORY_FILE"]
SITE_PLAYBOOK = pathlib.Path(os.environ["MOLECULE_PROJECT_DIRECTORY"]) / "playbooks" / "site.yml"
# The ansible-playbook of the environment the tests run in (the project's venv).
ANSIBLE_PLAYBOOK = pathlib.Path(sys.executable).with_name("ansible-playbook")


def lab_host(name):
    """A testinfra host for one container of the scenario."""
    return testinfra.get_host("ansible://%s?ansible_inventory=%s" % (name, INVENTORY))


@pytest.fixture(scope="session")
def hosts():
    """The scenario's containers by inventory name."""
    return {name: lab_host(name) for name in ("ns1", "mail-alpha", "mail-beta", "client", "client2")}


@pytest.fixture(scope="session")
def client(hosts):
    """The client container, with the mail client installed."""
    install_probe(hosts["client"], ca_file=lab_ca_file(INVENTORY))
    return hosts["client"]


@pytest.fixture(scope="session")
def client2(hosts):
    """The second client container (another address), with the mail client installed."""
    install_probe(hosts["client2"], ca_file=lab_ca_file(INVENTORY))
    return hosts["client2"]


@pytest.fixture(scope="session")
def client_address(hosts):
    """The client's own address on the lab network."""
    return hosts["client"].interface("eth0").addresses[0]


@pytest.fixture(scope="session")
def servers(hosts):
    """Each mail server's values from the inventory: domain, host name, address, its one user, and
    ``at``, the mail client's arguments to reach it by address and verify its certificate's name."""
    result = {}
    for name in ("mail-alpha", "mail-beta"):
        variables = hosts[name].ansible.get_variables()
        user = variables["dovecot_users"][0]
        address = hosts[name].interface("eth0").addresses[0]
        result[name] = {
            "at": ["--server", variables["postfix_hostname"], "--connect", address],
            "host": hosts[name],
            "domain": variables["postfix_domain"],
            "hostname": variables["postfix_hostname"],
            "address": address,
            "user": user["name"],
            "password": user["password"],
            "email": "%s@%s" % (user["name"], variables["postfix_domain"]),
            "users": {entry["name"]: entry["password"] for entry in variables["dovecot_users"]},
            "hosted_domains": variables.get("postfix_hosted_domains", []),
            "aliases": variables.get("postfix_aliases", []),
            "postmaster": variables.get("postfix_root_recipient", ""),
            "quota": variables.get("dovecot_quota", ""),
        }
    return result


@pytest.fixture(scope="session")
def dns(hosts):
    """The primary name server's address, the zones it serves, the secondaries it allows to
    transfer them, and the secondary name server (mail-beta) with the zones it holds."""
    variables = hosts["ns1"].ansible.get_variables()
    secondary = hosts["mail-beta"].ansible.get_variables()
    return {
        "address": hosts["ns1"].interface("eth0").addresses[0],
        "zones": [zone["name"] for zone in variables["dns_zones"]],
        "secondaries": variables["dns_secondaries"],
        "secondary": {
            "host": hosts["mail-beta"],
            "address": hosts["mail-beta"].interface("eth0").addresses[0],
            "zones": [zone["name"] for zone in secondary["dns_secondary_zones"]],
        },
    }


class PlaybookRun:
    """ansible-playbook playbooks/site.yml against the scenario's inventory, started in its own
    process group (so that it can be killed with its workers). Its results come from the
    ansible.posix.json callback on stdout; warnings and errors come on stderr."""

    def __init__(self, *args):
        # The environment Molecule gives the tests (ANSIBLE_COLLECTIONS_PATH, ANSIBLE_CONFIG), with the
        # JSON callback alone on stdout (profile_tasks would write into it).
        env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", ANSIBLE_STDOUT_CALLBACK="ansible.posix.json",
                   ANSIBLE_CALLBACKS_ENABLED="ansible.posix.json", ANSIBLE_LOAD_CALLBACK_PLUGINS="1")
        command = [str(ANSIBLE_PLAYBOOK), "-i", INVENTORY, str(SITE_PLAYBOOK)] + [str(arg) for arg in args]
        self.process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                        start_new_session=True)
        self.streams = {"stdout": [], "stderr": []}
        self.readers = [threading.Thread(target=self.read, args=(name,), daemon=True) for name in self.streams]
        for reader in self.readers:
            reader.start()

    def read(self, name):
        """Collect one of the process's streams line by line until the process ends."""
        for line in getattr(self.process, name):
            self.streams[name].append(line)

    @property
    def output(self):
        """Everything the run printed so far: the JSON results, then the warnings and errors."""
        return "".join(self.streams["stdout"] + self.streams["stderr"])

    def wait(self, timeout):
        """Wait for the run to end; return its exit code. A run still going after ``timeout`` s is killed."""
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError("ansible-playbook %s did not finish within %d s:\n%s" % (self.process.args[3:], timeout, self.output))
        for reader in self.readers:
            reader.join(timeout=10)
        return self.process.returncode

    def kill(self):
        """SIGKILL the whole run, ansible-playbook and the workers it forked, unless it has ended."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        for reader in self.readers:
            reader.join(timeout=10)

    def results(self):
        """The JSON callback's document of the finished run: plays with their tasks' results, and stats."""
        return json.loads("".join(self.streams["stdout"]))

    def recap(self):
        """The counts per host: {host: {"ok": n, "changed": n, "unreachable": n, "failed": n, ...}}."""
        return {host: dict(counts, failed=counts["failures"]) for host, counts in self.results()["stats"].items()}

    def changed(self):
        """The changed count per host: {host: n}."""
        return {host: counts["changed"] for host, counts in self.recap().items()}

    def task_results(self, name):
        """{host: result} of every run of the task (or handler) called ``name``, whatever its role prefix."""
        found = {}
        for play in self.results()["plays"]:
            for task in play["tasks"]:
                if task["task"]["name"] == name or task["task"]["name"].endswith(" : " + name):
                    found.update(task["hosts"])
        return found

    def module_results(self, action, host):
        """The results on ``host`` of every task that ran the module (or action) ``action``, in order."""
        return [task["hosts"][host] for play in self.results()["plays"] for task in play["tasks"]
                if host in task["hosts"] and task["hosts"][host].get("action") == action]

    def hosts_that_ran_module(self, action):
        """The hosts, sorted, where a task of the module (or action) ``action`` ran (was not skipped)."""
        return sorted({host for play in self.results()["plays"] for task in play["tasks"] for host, result in task["hosts"].items()
                       if result.get("action") == action and not result.get("skipped")})

    def warnings(self, host):
        """The warnings the tasks of the run gave for ``host`` (Ansible shows them as [WARNING])."""
        return [warning for play in self.results()["plays"] for task in play["tasks"]
                for warning in task["hosts"].get(host, {}).get("warnings", [])]


def finished(run, timeout=300):
    """The run, once it ended with exit code 0 (its output in the failure otherwise)."""
    assert run.wait(timeout) == 0, run.output
    return run


@pytest.fixture
def site_playbook():
    """Start playbooks/site.yml with extra ansible-playbook arguments: ``site_playbook("--check")``.
    A run still going when the test ends is killed."""
    runs = []

    def start(*args):
        run = PlaybookRun(*args)
        runs.append(run)
        return run

    yield start
    for run in runs:
        if run.process.poll() is None:
            run.kill()
