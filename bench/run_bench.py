"""`make bench`: how fast the collection converges and re-runs, against the tutorial done with
builtin modules (bench/builtin.yml), and how the site playbook scales to more hosts.

Every measurement starts from fresh containers of one image, on the internal network tkj-bench.
Packages come through the host's apt-cacher-ng (at the network's gateway), so after the first run
package downloads are served from its cache and do not dominate the times. ansible-playbook runs
with the docker connection and the ansible.posix.json stdout callback; from its output come the
changed counts, the module invocations (one per host and loop item, controller-only actions such as
assert or set_fact not counted), the time of each task and the time spent in apt.

Then the floor of the scale-out: the packages a converged all-in-one host got, installed by plain
apt-get in as many fresh containers at once as the largest scale-out has hosts.

  python bench/run_bench.py [--image IMAGE] [--runs 3] [--scale 1,8] [--floor N] [--output results.json]
                            [--no-pipelining]

make bench measures 1 and 8 hosts (under 15 minutes); make bench-class the class scale-out, 8, 16 and
32 hosts (over an hour), run when a change could affect it. Prints a table and writes the same figures
to build/bench/results.json (make bench-class: results-class.json).
"""

import argparse
import datetime
import json
import os
import pathlib
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "molecule" / "shared"))

from mailtests import wait_for  # noqa: E402  pylint: disable=wrong-import-position

OUTPUT_DIR = REPO / "build" / "bench"
NETWORK = "tkj-bench"
SUBNET = "172.30.31.0/24"
APT_PROXY = "http://%s.1:3142" % SUBNET.rsplit(".", 1)[0]
PLAYBOOKS = {
    "collection": REPO / "playbooks" / "site.yml",
    "builtin": REPO / "bench" / "builtin.yml",
}
# Actions that run on the controller only: no module is sent to the host.
CONTROLLER_ACTIONS = {
    "add_host", "assert", "debug", "fail", "group_by", "import_role", "import_tasks", "include_role",
    "include_tasks", "include_vars", "meta", "set_fact", "set_stats", "validate_argument_spec",
}
# The collection installs through tkj.mailserver.packages, which runs ansible.builtin.apt when a package is missing.
APT_ACTIONS = {"apt", "ansible.builtin.apt", "ansible.legacy.apt", "tkj.mailserver.packages"}
# One mail user, as in the tutorial's lab (lab_users of inventories/lab is empty).
BENCH_VARS = {
    "ansible_connection": "community.docker.docker",
    "ansible_python_interpreter": "/usr/bin/python3",
    "lab_users": [{"name": "nida", "password": "Nida-bench-password-2026"}],
}
# systemd as PID 1 without --privileged, as in the Molecule scenarios.
SYSTEMD_FLAGS = [
    "--cap-add", "SYS_ADMIN", "--cap-add", "NET_ADMIN", "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
    "--cgroupns=host", "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw", "--tmpfs", "/run", "--tmpfs", "/run/lock",
    "--tmpfs", "/tmp", "--stop-signal", "SIGRTMIN+3",
]


def docker(*args, check=True):
    """Run the docker CLI and return its result (stdout as text)."""
    result = subprocess.run(["docker"] + list(args), capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        raise RuntimeError("docker %s failed: %s" % (" ".join(args[:2]), result.stderr.strip()))
    return result


def ensure_network(name, subnet):
    """The internal network for the containers (no route out; the host is its gateway)."""
    env = dict(os.environ, TKJ_SUBNET=subnet)
    subprocess.run([str(REPO / "scripts" / "ensure-test-network.sh"), name], env=env, check=True)


def remove_containers(prefix):
    """Remove every container whose name starts with ``prefix`` (left over or finished)."""
    names = docker("ps", "-a", "--filter", "name=^" + prefix, "--format", "{{.Names}}").stdout.split()
    if names:
        docker("rm", "-f", *names)


def system_booted(name):
    """True once systemd in the container has finished booting (running, or degraded)."""
    state = docker("exec", name, "systemctl", "is-system-running", check=False).stdout.strip()
    return state in ("running", "degraded")


# inotify instances per converged container (systemd, journald, logind, the mail services; 5 at boot),
# with room to spare: all containers share the host's per-user limit, Debian's default being 128.
INOTIFY_PER_HOST = 12
INOTIFY_LIMIT = pathlib.Path("/proc/sys/fs/inotify/max_user_instances")


def ensure_inotify_instances(hosts):
    """Raise the host's limit of inotify instances when ``hosts`` systemd containers need more than it
    allows (beyond about 20, systemd in the next container does not finish booting); as root only."""
    needed = hosts * INOTIFY_PER_HOST + 128
    limit = int(INOTIFY_LIMIT.read_text())
    if limit >= needed:
        return
    try:
        INOTIFY_LIMIT.write_text("%d\n" % needed)
    except OSError as error:
        raise RuntimeError("%d containers need fs.inotify.max_user_instances >= %d (it is %d): "
                           "run sysctl -w fs.inotify.max_user_instances=%d as root (%s)" % (hosts, needed, limit, needed, error))
    print("fs.inotify.max_user_instances raised from %d to %d for %d containers" % (limit, needed, hosts), file=sys.stderr, flush=True)


def start_hosts(names, image, network, apt_proxy):
    """Start fresh systemd containers, wait for their boot and send their apt through the proxy.
    Each asks its own DNS server (the BIND it gets, as an all-in-one lab server does), so that names
    outside the lab (a sender's probe.invalid) are refused at once and never asked of the outside."""
    for name in names:
        docker("run", "-d", "--name", name, "--hostname", "mail", "--network", network, "--dns", "127.0.0.1", *SYSTEMD_FLAGS,
               image, "/lib/systemd/systemd")
    for name in names:
        wait_for(lambda name=name: system_booted(name), timeout=120, what="systemd boot in %s" % name)
        docker("exec", name, "sh", "-c", "echo 'Acquire::http::Proxy \"%s\";' > /etc/apt/apt.conf.d/01tkj-proxy" % apt_proxy)


def write_inventory(directory, names):
    """An inventory of all-in-one hosts with the lab's values (inventories/lab) plus one mail user."""
    if directory.exists():
        shutil.rmtree(directory)
    group_vars = directory / "group_vars" / "all"
    group_vars.mkdir(parents=True)
    (group_vars / "lab.yml").symlink_to(REPO / "inventories" / "lab" / "group_vars" / "all.yml")
    # Loaded after lab.yml (files load in name order), so its lab_users wins.
    (group_vars / "tkj_bench.yml").write_text(json.dumps(BENCH_VARS, indent=2) + "\n")
    hosts = {name: None for name in names}
    groups = {"all": {"children": {"dns_servers": {"hosts": hosts}, "mail_servers": {"hosts": hosts}}}}
    (directory / "hosts.yml").write_text(json.dumps(groups, indent=2) + "\n")
    return directory / "hosts.yml"


def parse_time(stamp):
    """A time stamp of the json callback (ISO 8601 with a Z) as a datetime."""
    return datetime.datetime.fromisoformat(stamp.rstrip("Z"))


def module_calls(host_result):
    """Modules sent to the host for one task result: one per loop item that ran, none if skipped."""
    if host_result.get("skipped") or host_result["action"].rsplit(".", 1)[-1] in CONTROLLER_ACTIONS:
        return 0
    if "results" in host_result:
        return sum(1 for item in host_result["results"] if not item.get("skipped"))
    return 1


def summarize(output, wall_s):
    """The figures of one ansible-playbook run from the json callback's output."""
    tasks = []
    for play in output["plays"]:
        for task in play["tasks"]:
            duration = task["task"]["duration"]
            results = task["hosts"].values()
            if not results:
                continue
            actions = {result["action"] for result in results}
            tasks.append({
                "name": task["task"]["name"],
                "action": sorted(actions)[0],
                "seconds": round((parse_time(duration["end"]) - parse_time(duration["start"])).total_seconds(), 3),
                "module_calls": sum(module_calls(result) for result in results),
                "cache_updates": sum(1 for result in results if result.get("cache_updated")),
                "apt_changed": sum(1 for result in results if result["action"] in APT_ACTIONS and result.get("changed")),
            })
    stats = output["stats"].values()
    apt_tasks = [task for task in tasks if task["action"] in APT_ACTIONS]
    module_tasks_s = sum(task["seconds"] for task in tasks if task["module_calls"])
    controller_tasks_s = sum(task["seconds"] for task in tasks if not task["module_calls"])
    return {
        "wall_s": round(wall_s, 2),
        # Where the time goes: tasks that sent modules, tasks that did not (checks, skips, includes),
        # and the rest (start-up, loading the playbook and inventory, play set-up).
        "module_tasks_s": round(module_tasks_s, 2),
        "controller_tasks_s": round(controller_tasks_s, 2),
        "other_s": round(wall_s - module_tasks_s - controller_tasks_s, 2),
        "changed": sum(host["changed"] for host in stats),
        "failed": sum(host["failures"] + host["unreachable"] for host in stats),
        "module_calls": sum(task["module_calls"] for task in tasks),
        # Task executions, skipped ones too: each costs the controller a worker whether it acts or not.
        "task_executions": len(tasks),
        "apt_s": round(sum(task["seconds"] for task in apt_tasks), 2),
        "apt_tasks": len(apt_tasks),
        "apt_installs": sum(task["apt_changed"] for task in apt_tasks),
        "apt_cache_updates": sum(task["cache_updates"] for task in apt_tasks),
        "tasks": tasks,
    }


def failures(stdout):
    """The failed tasks and their messages from the json callback's output (or its raw tail)."""
    try:
        output = json.loads(stdout)
    except ValueError:
        return stdout[-2000:]
    return ["%s on %s: %s" % (task["task"]["name"], host, result.get("msg"))
            for play in output["plays"] for task in play["tasks"]
            for host, result in task["hosts"].items() if result.get("failed") or result.get("unreachable")]


def tree_pss_kib(root_pid):
    """The proportional set size (KiB) of a process and all its descendants, from /proc: shared pages
    of ansible's forked workers are counted once, not once per worker."""
    children = {}
    for status in pathlib.Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(status.parent.name))
    total, pending = 0, [root_pid]
    while pending:
        pid = pending.pop()
        pending.extend(children.get(pid, []))
        try:
            rollup = pathlib.Path("/proc/%d/smaps_rollup" % pid).read_text()
        except OSError:
            continue
        total += sum(int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:"))
    return total


def memory_in_use_kib():
    """The machine's memory in use (MemTotal - MemAvailable), KiB: the containers and the controller."""
    info = dict(line.split(":", 1) for line in pathlib.Path("/proc/meminfo").read_text().splitlines())
    return int(info["MemTotal"].split()[0]) - int(info["MemAvailable"].split()[0])


class PeakMemory(threading.Thread):
    """Samples, every half second until stopped, the controller's memory (the PSS of ansible-playbook and
    its workers) and the machine's memory in use; keeps the peaks."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.controller_kib, self.machine_kib = pid, 0, 0
        self.done = threading.Event()

    def run(self):
        while not self.done.wait(0.5):
            self.controller_kib = max(self.controller_kib, tree_pss_kib(self.pid))
            self.machine_kib = max(self.machine_kib, memory_in_use_kib())

    def stop(self):
        self.done.set()
        self.join()


def children_cpu_s():
    """CPU seconds (user and system) of the finished child processes of this one and their descendants."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_playbook(playbook, inventory, forks, pipelining, raw_output, host_failures_allowed=False):
    """Run ansible-playbook once and return its figures; a failed run stops the benchmark, unless
    ``host_failures_allowed`` and only some hosts failed (rc 2 or 4): then the figures say which and why.
    The callback's full output is kept in ``raw_output``."""
    # Only the json callback may write to stdout.
    env = {name: value for name, value in os.environ.items() if name != "ANSIBLE_CALLBACKS_ENABLED"}
    env.update(
        ANSIBLE_COLLECTIONS_PATH=os.environ.get("ANSIBLE_COLLECTIONS_PATH", str(REPO / "build" / "collections")),
        ANSIBLE_STDOUT_CALLBACK="ansible.posix.json",
        ANSIBLE_PIPELINING=str(pipelining),
        ANSIBLE_FORKS=str(forks),
        ANSIBLE_RETRY_FILES_ENABLED="false",
        ANSIBLE_NOCOLOR="1",
    )
    started, cpu_before = time.monotonic(), children_cpu_s()
    with subprocess.Popen(["ansible-playbook", "-i", str(inventory), str(playbook)], cwd=REPO, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        sampler = PeakMemory(process.pid)
        sampler.start()
        stdout, stderr = process.communicate()
        sampler.stop()
    wall_s = time.monotonic() - started
    raw_output.write_text(stdout)
    if process.returncode != 0 and not (host_failures_allowed and process.returncode in (2, 4)):
        raise RuntimeError("%s failed (rc %d): %s %s" % (playbook.name, process.returncode, failures(stdout), stderr[-2000:]))
    figures = summarize(json.loads(stdout), wall_s)
    figures["failures"] = failures(stdout)[:10] if process.returncode else []
    # ansible-playbook and everything it ran on this machine: its workers, the docker CLI of the connection.
    figures["controller_cpu_s"] = round(children_cpu_s() - cpu_before, 2)
    figures["controller_peak_memory_mib"] = round(sampler.controller_kib / 1024, 1)
    figures["machine_peak_memory_mib"] = round(sampler.machine_kib / 1024, 1)
    return figures


def converge_and_rerun(label, playbook, names, args, reruns=1, inspect=None, host_failures_allowed=False):
    """Fresh containers, then the playbook: the converge and ``reruns`` re-runs (the median kept).
    Every re-run runs every task: the roles check the hosts' real state each time. ``inspect(names)``,
    when given, looks at the converged hosts before they are removed; its answer is the run's "inspected".
    The run's "memory_before_mib" is the machine's memory in use before the containers started."""
    memory_before_mib = round(memory_in_use_kib() / 1024, 1)
    start_hosts(names, args.image, NETWORK, APT_PROXY)
    try:
        inventory = write_inventory(OUTPUT_DIR / ("inventory-" + label), names)
        forks = max(len(names), 5)
        converge = run_playbook(playbook, inventory, forks, args.pipelining, OUTPUT_DIR / ("%s-converge.json" % names[0]),
                                host_failures_allowed)
        reruns = [run_playbook(playbook, inventory, forks, args.pipelining, OUTPUT_DIR / ("%s-rerun%d.json" % (names[0], number)),
                               host_failures_allowed)
                  for number in range(1, reruns + 1)]
        run = {"converge": converge, "rerun": sorted(reruns, key=lambda rerun: rerun["wall_s"])[len(reruns) // 2],
               "reruns_s": [rerun["wall_s"] for rerun in reruns], "memory_before_mib": memory_before_mib,
               "inspected": inspect(names) if inspect else None}
    finally:
        docker("rm", "-f", *names)
    return run


def spread(values):
    """Median, min and max of a list of figures."""
    return {"median": round(statistics.median(values), 3), "min": round(min(values), 3), "max": round(max(values), 3)}


def side_figures(runs):
    """One side's figures over its runs: medians of the times, the worst changed count."""
    figures = {
        "converge_s": spread([run["converge"]["wall_s"] for run in runs])["median"],
        "rerun_s": spread([run["rerun"]["wall_s"] for run in runs])["median"],
        "rerun_changed": max(run["rerun"]["changed"] for run in runs),
        "rerun_module_calls": max(run["rerun"]["module_calls"] for run in runs),
        "rerun_tasks": max(run["rerun"]["task_executions"] for run in runs),
        "converge_module_calls": max(run["converge"]["module_calls"] for run in runs),
        "converge_apt_s": spread([run["converge"]["apt_s"] for run in runs])["median"],
        "rerun_apt_s": spread([run["rerun"]["apt_s"] for run in runs])["median"],
        "rerun_module_tasks_s": spread([run["rerun"]["module_tasks_s"] for run in runs])["median"],
        "rerun_controller_tasks_s": spread([run["rerun"]["controller_tasks_s"] for run in runs])["median"],
        "rerun_other_s": spread([run["rerun"]["other_s"] for run in runs])["median"],
        "apt_tasks": max(run["converge"]["apt_tasks"] for run in runs),
        "apt_installs": max(run["converge"]["apt_installs"] for run in runs),
        "apt_cache_updates": max(run["converge"]["apt_cache_updates"] + run["rerun"]["apt_cache_updates"] for run in runs),
        "runs": [{"converge_s": run["converge"]["wall_s"], "rerun_s": run["rerun"]["wall_s"],
                  "rerun_changed": run["rerun"]["changed"]} for run in runs],
    }
    # No shortcut skips a task: the re-run is the full re-run.
    figures["rerun_full_s"] = figures["rerun_s"]
    return figures


def slowest(tasks, count=12):
    """The tasks that took longest, for finding where the time goes."""
    return sorted(tasks, key=lambda task: task["seconds"], reverse=True)[:count]


def measure_pairs(args):
    """Collection and builtin on their own fresh hosts, alternating which goes first."""
    runs = {"collection": [], "builtin": []}
    for index in range(args.runs):
        order = ["collection", "builtin"] if index % 2 == 0 else ["builtin", "collection"]
        for side in order:
            print("run %d/%d: %s" % (index + 1, args.runs, side), file=sys.stderr, flush=True)
            runs[side].append(converge_and_rerun(side, PLAYBOOKS[side], ["tkj-bench-%s-%d" % (side, index + 1)], args))
    return runs


# Re-runs per host count in the scale-out; the median is reported (a re-run takes seconds, and one
# alone would make the 8-to-1 ratio depend on a single sample). Beyond 8 hosts a re-run takes
# minutes on this machine and varies less: one.
SCALE_RERUNS = 3
LARGE_SCALE_RERUNS = 1


def manual_packages(name):
    """The packages marked as installed by hand in a container (what apt-get install was asked for)."""
    return set(docker("exec", name, "apt-mark", "showmanual").stdout.split())


def site_packages(names, image):
    """The packages the site playbook installed on a converged host: its hand-installed packages less the image's."""
    return sorted(manual_packages(names[0]) - IMAGE_PACKAGES.setdefault(image, image_packages(image)))


IMAGE_PACKAGES = {}


def image_packages(image):
    """The hand-installed packages of the bare image."""
    listing = docker("run", "--rm", "--network", "none", image, "apt-mark", "showmanual").stdout
    return set(listing.split())


def measure_scale(args):
    """The site playbook on n all-in-one hosts at once (forks >= hosts): a converge, then re-runs.
    A host that fails is counted and its failure kept, and the others go on (as in a class).
    The first host count also tells which packages a converged host has (for the floor).
    Each host count's figures are written to build/bench/scale-partial.json as soon as they are in."""
    scale, packages = [], None
    for count in args.scale:
        print("scale-out: %d hosts" % count, file=sys.stderr, flush=True)
        names = ["tkj-bench-scale%d-%d" % (count, number) for number in range(1, count + 1)]
        inspect = (lambda names: site_packages(names, args.image)) if packages is None else None
        reruns = SCALE_RERUNS if count <= 8 else LARGE_SCALE_RERUNS
        run = converge_and_rerun("scale%d" % count, PLAYBOOKS["collection"], names, args, reruns=reruns, inspect=inspect,
                                 host_failures_allowed=True)
        packages = packages or run["inspected"]
        converge, rerun = run["converge"], run["rerun"]
        scale.append({
            "hosts": count,
            "converge_s": converge["wall_s"],
            "rerun_s": rerun["wall_s"],
            "reruns_s": run["reruns_s"],
            "rerun_per_host_s": round(rerun["wall_s"] / count, 2),
            "rerun_changed": rerun["changed"],
            "converge_failed": converge["failed"],
            "rerun_failed": rerun["failed"],
            "failures": converge["failures"] + rerun["failures"],
            # ansible-playbook and what it ran on the controller, per host, in the converge and the (median) re-run.
            "controller_cpu_s_per_host": round(converge["controller_cpu_s"] / count, 2),
            "rerun_controller_cpu_s_per_host": round(rerun["controller_cpu_s"] / count, 2),
            # Peaks during the converge: the controller's (PSS of ansible-playbook and its workers), and the
            # machine's memory in use above what it used before the hosts started (the hosts and the controller).
            "peak_memory_mib": converge["controller_peak_memory_mib"],
            "hosts_and_controller_peak_memory_mib": round(converge["machine_peak_memory_mib"] - run["memory_before_mib"], 1),
        })
        (OUTPUT_DIR / "scale-partial.json").write_text(json.dumps(scale, indent=2) + "\n")
    return scale, packages


def measure_floor(args, count, packages):
    """The floor of a converge of ``count`` hosts: the same packages installed by plain apt-get in ``count``
    fresh containers at once, package lists refreshed first, as the collection does on a new host. Services
    are held back (policy-rc.d exits 101), as the collection holds back BIND: the floor starts no service."""
    print("floor: apt-get install in %d containers at once (%d packages)" % (count, len(packages)), file=sys.stderr, flush=True)
    names = ["tkj-bench-floor-%d" % number for number in range(1, count + 1)]
    start_hosts(names, args.image, NETWORK, APT_PROXY)
    script = ("printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d"
              " && apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q " + " ".join(packages))
    try:
        started = time.monotonic()
        processes = [subprocess.Popen(["docker", "exec", name, "sh", "-c", script], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE, text=True) for name in names]
        errors = [(name, process.communicate()[1]) for name, process in zip(names, processes)]
        elapsed = time.monotonic() - started
        failed = [(name, stderr[-500:]) for (name, stderr), process in zip(errors, processes) if process.returncode != 0]
        if failed:
            raise RuntimeError("apt-get failed in %d of %d containers: %s" % (len(failed), count, failed[0]))
    finally:
        docker("rm", "-f", *names)
    return {"apt_%d_s" % count: round(elapsed, 2), "hosts": count, "packages": packages}


def targets(results):
    """The issues' targets, each with the measured value and whether it is met (issue 34's where it sets
    a stricter one than issues 12 and 18)."""
    collection, ratio = results["collection"], results["ratio"]
    checks = {
        "rerun_changed == 0": (collection["rerun_changed"], collection["rerun_changed"] == 0),
        "collection.rerun_tasks <= 30": (collection["rerun_tasks"], collection["rerun_tasks"] <= 30),
        "ratio.rerun_full <= 0.6": (ratio["rerun_full"], ratio["rerun_full"] <= 0.6),
        "ratio.converge <= 0.85": (ratio["converge"], ratio["converge"] <= 0.85),
        "package list refreshes per run <= 1": (collection["apt_cache_updates"], collection["apt_cache_updates"] <= 1),
    }
    by_hosts = {row["hosts"]: row for row in results["scale"]}
    if 1 in by_hosts:
        cpu = by_hosts[1]["rerun_controller_cpu_s_per_host"]
        checks["re-run of 1 host: controller CPU s <= 4"] = (cpu, cpu <= 4)
    if 1 in by_hosts and 8 in by_hosts:
        growth = round(by_hosts[8]["rerun_s"] / by_hosts[1]["rerun_s"], 2)
        checks["re-run of 8 hosts <= 2.5 x re-run of 1"] = (growth, growth <= 2.5)
    if "converge_floor" in ratio:
        limit = 1.5 if ratio["converge_floor_hosts"] >= 32 else 1.3
        checks["converge of %d hosts <= %.1f x apt floor" % (ratio["converge_floor_hosts"], limit)] = (
            ratio["converge_floor"], ratio["converge_floor"] <= limit)
    if 32 in by_hosts:
        checks["re-run of 32 hosts <= 150 s"] = (by_hosts[32]["rerun_s"], by_hosts[32]["rerun_s"] <= 150)
        changed = by_hosts[32]["rerun_changed"]
        checks["re-run of 32 hosts: changed == 0"] = (changed, changed == 0)
        failed = by_hosts[32]["converge_failed"] + by_hosts[32]["rerun_failed"]
        checks["32 hosts: failed == 0"] = (failed, failed == 0)
        if 8 in by_hosts:
            cpu = by_hosts[32]["rerun_controller_cpu_s_per_host"]
            checks["re-run controller CPU s per host at 32 <= at 8"] = (cpu, cpu <= by_hosts[8]["rerun_controller_cpu_s_per_host"])
    return {name: {"value": value, "met": met} for name, (value, met) in checks.items()}


def build_results(args, runs, scale, floor):
    """Everything measured, in the layout of build/bench/results.json."""
    pairs = list(zip(runs["collection"], runs["builtin"]))
    converge_ratios = [mine["converge"]["wall_s"] / theirs["converge"]["wall_s"] for mine, theirs in pairs]
    rerun_ratios = [mine["rerun"]["wall_s"] / theirs["rerun"]["wall_s"] for mine, theirs in pairs]
    converge_spread, rerun_spread = spread(converge_ratios), spread(rerun_ratios)
    last = runs["collection"][-1]
    return {
        "image": args.image,
        "pipelining": args.pipelining,
        "runs": args.runs,
        "apt": "through apt-cacher-ng at %s: packages come from its cache, downloads do not dominate" % APT_PROXY,
        "collection": side_figures(runs["collection"]),
        "builtin": side_figures(runs["builtin"]),
        "ratio": {
            "converge": converge_spread["median"], "converge_min": converge_spread["min"], "converge_max": converge_spread["max"],
            "rerun_full": rerun_spread["median"], "rerun_full_min": rerun_spread["min"], "rerun_full_max": rerun_spread["max"],
            "pairs": [{"converge": round(c, 3), "rerun_full": round(r, 3)} for c, r in zip(converge_ratios, rerun_ratios)],
        },
        "scale": scale,
        "floor": floor,
        "slowest_tasks": {
            "collection_rerun": slowest(last["rerun"]["tasks"]),
            "collection_converge": slowest(last["converge"]["tasks"]),
            "builtin_rerun": slowest(runs["builtin"][-1]["rerun"]["tasks"]),
        },
    }


def print_table(results):
    """The figures as a table on stdout."""
    print("tkj.mailserver bench: image %s, pipelining %s, %d alternating runs (medians)"
          % (results["image"], "on" if results["pipelining"] else "off", results["runs"]))
    print("apt: %s" % results["apt"])
    header = "%-12s %10s %9s %8s %8s %10s %9s %6s %9s"
    print(header % ("", "converge s", "re-run s", "changed", "modules", "apt conv s", "apt re s", "apt tx", "refreshes"))
    print("  (changed and modules: of the re-run; apt tx: apt transactions of the converge; refreshes: package list"
          " updates in converge and re-run)")
    for side in ("collection", "builtin"):
        figures = results[side]
        print(header % (side, figures["converge_s"], figures["rerun_s"], figures["rerun_changed"],
                        figures["rerun_module_calls"], figures["converge_apt_s"], figures["rerun_apt_s"],
                        figures["apt_installs"], figures["apt_cache_updates"]))
    print("where the re-run time goes (medians): tasks sending modules / tasks on the controller only / start-up and the rest")
    for side in ("collection", "builtin"):
        figures = results[side]
        print("  %-10s %6.2f s / %6.2f s / %6.2f s" % (side, figures["rerun_module_tasks_s"], figures["rerun_controller_tasks_s"], figures["rerun_other_s"]))
    ratio = results["ratio"]
    print("ratio collection/builtin, pair by pair: converge %.2f (%.2f-%.2f), full re-run %.2f (%.2f-%.2f)"
          % (ratio["converge"], ratio["converge_min"], ratio["converge_max"], ratio["rerun_full"], ratio["rerun_full_min"], ratio["rerun_full_max"]))
    columns = ("hosts", "converge s", "re-run s", "s / host", "changed", "cpu s/host", "ctl MiB", "all MiB", "re-runs s (median shown)")
    print("%-6s %10s %9s %9s %8s %10s %10s %10s  %s" % columns)
    print("  (cpu s/host: the controller's CPU seconds per host in the converge; ctl MiB: the controller's peak memory;"
          " all MiB: the machine's, hosts and controller, above what it used before)")
    for row in results["scale"]:
        reruns = " ".join("%.2f" % value for value in row["reruns_s"])
        print("%-6d %10.2f %9.2f %9.2f %8d %10.2f %10.1f %10.1f  %s" % (
            row["hosts"], row["converge_s"], row["rerun_s"], row["rerun_per_host_s"], row["rerun_changed"],
            row["controller_cpu_s_per_host"], row["peak_memory_mib"], row["hosts_and_controller_peak_memory_mib"], reruns))
        for failure in row["failures"]:
            print("  failed: %s" % failure)
    for name, value in results["floor"].items():
        if name.startswith("apt_"):
            print("floor: plain apt-get of the same %d packages in %d containers at once: %.2f s"
                  % (len(results["floor"]["packages"]), results["floor"]["hosts"], value))
    print("targets (issues 12, 18 and 34):")
    for name, target in results["targets"].items():
        print("  %-42s %-8s %s" % (name, target["value"], "met" if target["met"] else "MISSED"))
    for label, tasks in results["slowest_tasks"].items():
        print("slowest tasks, %s (last run):" % label.replace("_", " "))
        for task in tasks:
            print("  %6.2f s %3d calls  %s" % (task["seconds"], task["module_calls"], task["name"]))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--image", default=os.environ.get("TKJ_IMAGE_DEBIAN12", "tkj-mailserver-debian:12"))
    parser.add_argument("--runs", type=int, default=3, help="pairs of collection and builtin runs (default 3)")
    parser.add_argument("--scale", default="1,8", help="host counts for the scale-out (default 1,8; make bench-class: 8,16,32)")
    parser.add_argument("--output", default="results.json", help="file in build/bench for the figures (default results.json)")
    parser.add_argument("--floor", type=int, default=None,
                        help="containers for the apt-get floor (default: the largest host count; 0: none)")
    parser.add_argument("--no-pipelining", dest="pipelining", action="store_false", help="run both playbooks without pipelining")
    args = parser.parse_args()
    args.scale = [int(count) for count in args.scale.split(",") if count]

    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    ensure_network(NETWORK, SUBNET)
    ensure_inotify_instances(max(args.scale + [args.floor or 0]))
    remove_containers("tkj-bench-")
    try:
        runs = measure_pairs(args)
        scale, packages = measure_scale(args)
        floor_hosts = max(args.scale) if args.floor is None else args.floor
        floor = measure_floor(args, floor_hosts, packages) if floor_hosts and packages else {}
    finally:
        remove_containers("tkj-bench-")
        docker("network", "rm", NETWORK, check=False)
    results = build_results(args, runs, scale, floor)
    # The converge of as many hosts as the floor has containers, against the floor: new field ratio.converge_floor.
    floor_s = floor.get("apt_%d_s" % floor.get("hosts", 0))
    floored = [row for row in scale if row["hosts"] == floor.get("hosts")]
    if floor_s and floored:
        results["ratio"]["converge_floor"] = round(floored[0]["converge_s"] / floor_s, 2)
        results["ratio"]["converge_floor_hosts"] = floor["hosts"]
    results["targets"] = targets(results)
    (OUTPUT_DIR / args.output).write_text(json.dumps(results, indent=2) + "\n")
    print_table(results)
    print("written: %s" % (OUTPUT_DIR / args.output).relative_to(REPO))


if __name__ == "__main__":
    main()
