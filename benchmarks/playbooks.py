"""Whole plays against the simulator: webcom.mobi next to Ansible's floor and the plain-Ansible way.

Run (from a tox env that has ansible-core and the collection's requirements):
    .tox/integration-core219/bin/python benchmarks/playbooks.py [--hosts 50 200] [--runs 3]

For each N it runs, side by side and in turn, each scenario ``--runs`` times on N local hosts
(default forks), each run with no cached answer (the compiled schema is kept, as it is after a
user's first run), and prints the median wall time, the ratio to the floor, and the requests
the simulator saw per run:
  set_fact   - ansible.builtin.set_fact of a constant: the cheapest task Ansible has (floor)
  facts      - webcom.mobi.balance_facts
  uri        - the plain-Ansible way: ansible.builtin.uri posting the XML, then an assert on the reply
  debug      - ansible.builtin.debug of a constant string (the floor of a templated task)
  env        - ansible.builtin.debug of ansible.builtin.env, the cheapest lookup core has
  lookup     - ansible.builtin.debug of the webcom.mobi.balance lookup on every host
The ``uri`` way runs at the first N only (``--uri-hosts`` to change): it takes minutes at 200.
Then one cold task (one host, cache_ttl 0) next to set_fact on one host, with and without the
compiled schema kept; the targets, each as a ratio of figures measured in this same run; the
profile of a lookup worker (benchmarks/lookup_worker.py, benchmarks/profile_workers.py); and the
codec's own figures (benchmarks/codec.py). Absolute times on a shared machine vary from run to
run: read the ratios.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCHMARKS.parent / "tests"))
from playbook_runner import play, run_playbook  # noqa: E402
from simulator_harness import DEFAULT_ACCOUNTS, RunningSimulator  # noqa: E402

DOCS = {"login": "docs-user", "password": DEFAULT_ACCOUNTS[0]["password"]}
REQUEST_XML = (  # Jinja's escape filter gives &#34; and &#39; for quotes, which XML accepts too
    '<?xml version="1.0" encoding="utf-8"?><request><security>'
    '<login value="{{ login | e }}"/><password value="{{ password | e }}"/></security></request>'
)


def scenarios(api_url: str) -> dict[str, list[dict]]:
    connection = {"api_url": api_url, **DOCS}
    lookup = f"{{{{ lookup('webcom.mobi.balance', 'Russia', api_url='{api_url}', login='docs-user', password=password) }}}}"
    return {
        "set_fact": [{"ansible.builtin.set_fact": {"answer": 42}}],
        "facts": [{"webcom.mobi.balance_facts": connection}],
        "uri": [
            {"ansible.builtin.uri": {
                "url": api_url + "/balance.php", "method": "POST", "body": REQUEST_XML,
                "headers": {"Content-Type": "text/xml; charset=utf-8"}, "return_content": True},
             "register": "reply", "no_log": True},
            {"ansible.builtin.assert": {"that": [
                "reply.content is search('<money')",
                "(reply.content | regex_search('<money[^>]*>([^<]+)</money>', '\\\\1') | first | float) >= 1",
            ], "quiet": True}},
        ],
        "debug": [{"ansible.builtin.debug": {"msg": "Russia: 10"}}],
        "env": [{"ansible.builtin.debug": {"msg": "HOME: {{ lookup('ansible.builtin.env', 'HOME') }}"}}],
        "lookup": [{"ansible.builtin.debug": {"msg": "Russia: " + lookup}}],
    }


def without_answers(cache_home: Path) -> None:
    """Empty the cache of answers (entries, locks, markers) and keep the key and the compiled schemas."""
    directory = cache_home / "webcom.mobi"
    for path in directory.iterdir() if directory.is_dir() else ():
        if path.name != "key" and not path.name.endswith(".schema"):
            path.unlink() if not path.is_dir() else shutil.rmtree(path)


def timed_run(
    sim: RunningSimulator, tasks: list[dict], hosts: int, scratch: Path, cache_home: Path | None
) -> tuple[float, int]:
    """Wall seconds of one ansible-playbook run with no cached answer, and the requests it made.

    With cache_home, runs share that cache directory with its compiled schema; without, each
    run has an empty one of its own.
    """
    workdir = Path(tempfile.mkdtemp(dir=scratch))
    env = None
    if cache_home is not None:
        without_answers(cache_home)
        env = {"XDG_CACHE_HOME": str(cache_home)}
    before = sim.total_requests()
    variables = {"login": DOCS["login"], "password": DOCS["password"]}
    started = time.perf_counter()
    # the tests' result recorder runs in every scenario alike
    run = run_playbook(workdir, [play(tasks, hosts="all", vars=variables)], hosts=hosts - 1, env=env)
    elapsed = time.perf_counter() - started
    if run.returncode != 0:
        raise SystemExit(f"benchmark play failed:\n{run.output[-3000:]}")
    return elapsed, sim.total_requests() - before


def measure(
    sim: RunningSimulator, plays: dict[str, list[dict]], hosts: int, runs: int, scratch: Path,
    cache_homes: dict[str, Path | None],
) -> dict:
    samples: dict[str, list[tuple[float, int]]] = {name: [] for name in plays}
    for _run in range(runs):  # interleaved, so drift in the machine's load hits every scenario alike
        for name, tasks in plays.items():
            samples[name].append(timed_run(sim, tasks, hosts, scratch, cache_homes.get(name, cache_homes["*"])))
    return {
        name: (statistics.median(seconds for seconds, _requests in runs_of), sorted({n for _seconds, n in runs_of}))
        for name, runs_of in samples.items()
    }


def report(title: str, figures: dict, floors: dict[str, str]) -> None:
    print(title)
    for name, (seconds, requests) in figures.items():
        floor = floors.get(name)
        ratio = f"{seconds / figures[floor][0]:5.2f} x {floor}" if floor else "(floor)".ljust(len("0.00 x set_fact"))
        print(f"  {name:<9} {seconds:7.2f} s   {ratio:<18} requests per run: {','.join(map(str, requests))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--runs", type=int, default=3, help="runs per scenario; the median is shown (default 3)")
    parser.add_argument("--uri-hosts", type=int, nargs="*", default=None,
                        help="host counts that also run the uri way (default: the first of --hosts)")
    parser.add_argument("--no-profile", action="store_true", help="skip the profile of a lookup worker")
    args = parser.parse_args()
    uri_hosts = args.hosts[:1] if args.uri_hosts is None else args.uri_hosts
    floors = {"facts": "set_fact", "uri": "set_fact", "env": "debug", "lookup": "debug"}
    with tempfile.TemporaryDirectory(prefix="webcom-bench-") as scratch_name:
        scratch = Path(scratch_name)
        sim = RunningSimulator(scratch, {"accounts": DEFAULT_ACCOUNTS})
        try:
            plays = scenarios(sim.api_url)
            warm = scratch / "warm-cache"  # the cache directory of a user who has run a check before
            timed_run(sim, plays["facts"], 1, scratch, warm)
            homes: dict[str, Path | None] = {"*": warm}
            print(f"python {sys.version.split()[0]}, {ansible_version()}, median of {args.runs} interleaved runs, "
                  "default forks")
            by_hosts = {}
            for hosts in args.hosts:
                chosen = {name: tasks for name, tasks in plays.items() if name != "uri" or hosts in uri_hosts}
                figures = by_hosts[hosts] = measure(sim, chosen, hosts, args.runs, scratch, homes)
                report(f"{hosts} hosts:", figures, floors)
            cold_plays = {
                "set_fact": plays["set_fact"],
                "cold": [{"webcom.mobi.balance_info": {"api_url": sim.api_url, **DOCS, "cache_ttl": 0}}],
                "cold_build": [{"webcom.mobi.balance_info": {"api_url": sim.api_url, **DOCS, "cache_ttl": 0}}],
            }
            # cold: the compiled schema is in the cache directory; cold_build: no cache directory at all.
            cold = measure(sim, cold_plays, 1, max(args.runs, 5), scratch, {"*": warm, "cold_build": None})
            report("one host, one task (cache_ttl 0: a fresh worker imports everything and fetches):",
                   cold, {"cold": "set_fact", "cold_build": "set_fact"})
            print(f"  cold task over set_fact: {(cold['cold'][0] - cold['set_fact'][0]) * 1000:.0f} ms with the "
                  f"compiled schema kept, {(cold['cold_build'][0] - cold['set_fact'][0]) * 1000:.0f} ms building it")
            targets(by_hosts, cold, args.hosts, uri_hosts)
        finally:
            sim.stop()
    if not args.no_profile:
        print("where a lookup's per-host time goes (benchmarks/lookup_worker.py):")
        subprocess.run([sys.executable, str(BENCHMARKS / "lookup_worker.py"), "--forks", "30", "--importtime"],
                       check=True)
        print("profiled inside Ansible's own workers (benchmarks/profile_workers.py, 20 hosts):")
        subprocess.run([sys.executable, str(BENCHMARKS / "profile_workers.py"), "--hosts", "20", "lookup", "env"],
                       check=True)
    print("codec (benchmarks/codec.py):")
    subprocess.run([sys.executable, str(BENCHMARKS / "codec.py"), "--repeat", "1000", "--cold", "9"], check=True)


def slope_ms(by_hosts: dict, name: str, low: int, high: int) -> float:
    """Milliseconds each host adds to the scenario's run, from the medians at low and high hosts."""
    return (by_hosts[high][name][0] - by_hosts[low][name][0]) * 1000 / (high - low)


def targets(by_hosts: dict, cold: dict, hosts: list[int], uri_hosts: list[int]) -> None:
    """Every target as a ratio of figures from this run, and whether it is met."""
    rows = []
    requests = sorted({n for figures in by_hosts.values() for name in ("facts", "lookup") for n in figures[name][1]})
    rows.append((f"requests per run per account, modules and lookup, {' and '.join(map(str, hosts))} hosts",
                 ",".join(map(str, requests)), "1", requests == [1]))
    ratio = cold["cold"][0] / cold["set_fact"][0]
    rows.append(("one host, one cold task: balance_info / set_fact", f"{ratio:.2f} x", "<= 1.25 x", ratio <= 1.25))
    low = hosts[0]
    ratio = by_hosts[low]["facts"][0] / by_hosts[low]["set_fact"][0]
    rows.append((f"{low} hosts: balance_facts / set_fact", f"{ratio:.2f} x", "<= 1.2 x", ratio <= 1.2))
    if len(hosts) > 1:
        high = hosts[-1]
        ours, core = slope_ms(by_hosts, "lookup", low, high), slope_ms(by_hosts, "env", low, high)
        rows.append((f"lookup per-host cost ({low} to {high} hosts) / env lookup's: {ours:.1f} / {core:.1f} ms",
                     f"{ours / core:.2f} x", "<= 1.3 x", ours / core <= 1.3))
        facts, floor = slope_ms(by_hosts, "facts", low, high), slope_ms(by_hosts, "set_fact", low, high)
        rows.append((f"balance_facts per-host cost / set_fact's: {facts:.1f} / {floor:.1f} ms",
                     f"{facts - floor:+.1f} ms", "(shown)", None))
    for count in uri_hosts:
        if count in by_hosts and "uri" in by_hosts[count]:
            ratio = by_hosts[count]["uri"][0] / by_hosts[count]["facts"][0]
            rows.append((f"uri way / balance_facts, {count} hosts", f"{ratio:.2f} x", ">= 9 x", ratio >= 9))
    print("targets (ratios of medians from this run):")
    for measure_name, figure, target, met in rows:
        verdict = "" if met is None else ("met" if met else "MISSED")
        print(f"  {measure_name:<78} {figure:>9}   target {target:<10} {verdict}")


def ansible_version() -> str:
    from ansible.release import __version__

    return f"ansible-core {__version__}"


if __name__ == "__main__":
    main()
