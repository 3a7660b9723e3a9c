"""tkj.mailserver.prepare, which the scenario's prepare step ran on the fresh servers: the teacher's server
caches packages for the class (apt-cacher-ng, fetching through the upstream proxy it was given), each
student's apt really downloads through it, the teacher's key is in root's authorized_keys once however
often the playbook runs, a second run changes nothing, and each student's server resolves through its
own address first, then the teacher's.

Self-contained (the scenario's conftest.py is not needed): the class comes from the scenario's list,
read by the classroom inventory plugin, and the hosts from Molecule's inventory."""

import functools
import os
import pathlib
import re
import subprocess
import sys
import time

import pytest
import testinfra
import yaml

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "shared"))

from mailtests import class_inventory  # noqa: E402  pylint: disable=wrong-import-position

INVENTORY = os.environ["MOLECULE_INVENTORY_FILE"]
SCENARIO = pathlib.Path(os.environ["MOLECULE_SCENARIO_DIRECTORY"])
# The class's list, made into hosts and variables by the classroom inventory plugin.
CLASS_INVENTORY = SCENARIO / "class" / "classroom.yml"
BIN = pathlib.Path(sys.executable).parent
# What the scenario gives tkj.mailserver.prepare, in its inventory: the test machine's apt-cacher-ng
# as the teacher's upstream proxy (the test network has no route out), and a key made for the tests.
SCENARIO_VARS = yaml.safe_load((SCENARIO / "group_vars" / "all" / "test.yml").read_text(encoding="utf-8"))
UPSTREAM_PROXY = SCENARIO_VARS["prepare_apt_upstream_proxy"]
TEACHERS_KEY = SCENARIO_VARS["prepare_ssh_public_key"]
CACHE_PORT = 3142
CACHE_LOG = "/var/log/apt-cacher-ng/apt-cacher.log"
RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.MULTILINE)


def class_list():
    """(teacher's inventory name, classroom_teacher, classroom_students) from the scenario's list."""
    inventory = class_inventory(CLASS_INVENTORY)
    name = inventory["teacher"]["hosts"][0]
    hostvars = inventory["_meta"]["hostvars"][name]
    return name, hostvars["classroom_teacher"], hostvars["classroom_students"]


TEACHER_NAME, TEACHER, STUDENTS = class_list()
STUDENT_NAMES = [entry["name"] for entry in STUDENTS]


@functools.lru_cache(maxsize=None)
def lesson_host(name):
    return testinfra.get_host("ansible://%s?ansible_inventory=%s" % (name, INVENTORY))


def student(name):
    return next(entry for entry in STUDENTS if entry["name"] == name)


def cache_log_lines(teacher):
    """The lines apt-cacher-ng has logged so far (none before its first request)."""
    return teacher.run("cat %s" % CACHE_LOG).stdout.splitlines()


@pytest.fixture(scope="module")
def second_run():
    """tkj.mailserver.prepare run once more, as the scenario's prepare step ran it (the values are in
    its inventory); (exit code, output)."""
    run = subprocess.run([str(BIN / "ansible-playbook"), "-i", INVENTORY, "-i", str(CLASS_INVENTORY), "tkj.mailserver.prepare"],
                         env=dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0"),
                         capture_output=True, text=True, timeout=600, check=False)
    return run.returncode, run.stdout + run.stderr


def test_the_teacher_caches_packages_through_the_upstream_proxy():
    """apt-cacher-ng runs on the teacher's server, starts at boot, listens on port 3142 for the
    class, and its configuration, read as the daemon reads it, fetches through the given proxy
    (the playbook's file comes after the package's zz_debconf.conf)."""
    teacher = lesson_host(TEACHER_NAME)
    service = teacher.service("apt-cacher-ng")
    assert service.is_running and service.is_enabled
    assert (teacher.socket("tcp://0.0.0.0:%d" % CACHE_PORT).is_listening
            or teacher.socket("tcp://:::%d" % CACHE_PORT).is_listening)
    dump = teacher.check_output("/usr/lib/apt-cacher-ng/acngtool cfgdump -c /etc/apt-cacher-ng")
    proxies = re.findall(r"^Proxy = (\S+)$", dump, re.MULTILINE)
    assert [proxy.rstrip("/") for proxy in proxies] == [UPSTREAM_PROXY.rstrip("/")]


@pytest.mark.parametrize("name", STUDENT_NAMES)
def test_each_students_apt_downloads_through_the_teachers_cache(name):
    """The student's apt names the teacher's cache, and a real download on the student's server
    (package lists and one small package) succeeds and shows in the cache's log with the student's
    address (Debian's format: time|type|bytes|client|path)."""
    host, teacher = lesson_host(name), lesson_host(TEACHER_NAME)
    proxy = host.check_output("apt-config shell PROXY Acquire::http::Proxy")
    assert proxy == "PROXY='http://%s:%d'" % (TEACHER["address"], CACHE_PORT)
    seen = len(cache_log_lines(teacher))
    update = host.run("apt-get update -q")
    assert update.rc == 0, update.stdout + update.stderr
    download = host.run("cd \"$(mktemp -d)\" && apt-get download -q base-files && ls base-files_*.deb")
    assert download.rc == 0, download.stdout + download.stderr
    # The cache writes its log once the client has gone.
    for _attempt in range(30):
        fields = [line.split("|") for line in cache_log_lines(teacher)[seen:]]
        if any(len(entry) >= 5 and entry[3] == student(name)["address"] and "/base-files_" in entry[4] for entry in fields):
            break
        time.sleep(1)
    else:
        pytest.fail("%s shows no download of base-files by %s (%s)" % (CACHE_LOG, name, student(name)["address"]))


def test_a_second_run_changes_nothing(second_run):
    """Run again with the same values, the playbook changes nothing on any server."""
    code, output = second_run
    assert code == 0, output
    recap = {host: (int(changed), int(unreachable), int(failed)) for host, _ok, changed, unreachable, failed in RECAP.findall(output)}
    assert recap == {host: (0, 0, 0) for host in [TEACHER_NAME] + STUDENT_NAMES}, output


@pytest.mark.parametrize("name", STUDENT_NAMES)
def test_the_teachers_key_logs_in_as_root_once(second_run, name):
    """After two runs the teacher's key is in root's authorized_keys exactly once, in a file and
    directory only root may read, as sshd requires."""
    assert second_run[0] == 0, second_run[1]
    host = lesson_host(name)
    directory, keys = host.file("/root/.ssh"), host.file("/root/.ssh/authorized_keys")
    assert directory.is_directory and directory.user == "root" and directory.mode == 0o700
    assert keys.is_file and keys.user == "root" and keys.mode == 0o600
    assert keys.content_string.splitlines().count(TEACHERS_KEY) == 1


@pytest.mark.parametrize("name", STUDENT_NAMES)
def test_each_student_resolves_through_its_own_address_then_the_teachers(name):
    """resolv.conf names the student's own address (its BIND, once tkj.mailserver.site made it), then
    the teacher's DNS server, and no search domain."""
    lines = [line.split() for line in lesson_host(name).file("/etc/resolv.conf").content_string.splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    assert lines == [["nameserver", student(name)["address"]], ["nameserver", TEACHER["address"]]]
