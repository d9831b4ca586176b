"""Whole plays against the simulator: webcom.mobi next to Ansible's floor and the plain-Ansible way.

Run (from a tox env that has ansible-core and the collection's requirements):
    .tox/integration-core219/bin/python benchmarks/playbooks.py [--hosts 50 200] [--runs 3]

For each N it runs, side by side and in turn, each scenario ``--runs`` times on N local hosts
(default forks), each run with an empty cache, and prints the median wall time, the ratio to
the floor, and the requests the simulator saw per run:
  set_fact   - ansible.builtin.set_fact of a constant: the cheapest task Ansible has (floor)
  facts      - webcom.mobi.balance_facts
  uri        - the plain-Ansible way: ansible.builtin.uri posting the XML, then an assert on the reply
  debug      - ansible.builtin.debug of a constant string (the floor of a templated task)
  env        - ansible.builtin.debug of ansible.builtin.env, the cheapest lookup core has
  lookup     - ansible.builtin.debug of the webcom.mobi.balance lookup on every host
Then one cold task (one host, cache_ttl 0) next to set_fact on one host, and the codec's own
figures from benchmarks/codec.py.
"""

from __future__ import annotations

import argparse
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


def timed_run(sim: RunningSimulator, tasks: list[dict], hosts: int, scratch: Path) -> tuple[float, int]:
    """Wall seconds of one ansible-playbook run with a fresh cache, and the requests it made."""
    workdir = Path(tempfile.mkdtemp(dir=scratch))
    before = sim.total_requests()
    variables = {"login": DOCS["login"], "password": DOCS["password"]}
    started = time.perf_counter()
    run = run_playbook(workdir, [play(tasks, hosts="all", vars=variables)], hosts=hosts - 1)  # the tests' result recorder runs in every scenario alike
    elapsed = time.perf_counter() - started
    if run.returncode != 0:
        raise SystemExit(f"benchmark play failed:\n{run.output[-3000:]}")
    return elapsed, sim.total_requests() - before


def measure(sim: RunningSimulator, plays: dict[str, list[dict]], hosts: int, runs: int, scratch: Path) -> dict:
    samples: dict[str, list[tuple[float, int]]] = {name: [] for name in plays}
    for _run in range(runs):  # interleaved, so drift in the machine's load hits every scenario alike
        for name, tasks in plays.items():
            samples[name].append(timed_run(sim, tasks, hosts, scratch))
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
    args = parser.parse_args()
    floors = {"facts": "set_fact", "uri": "set_fact", "env": "debug", "lookup": "debug"}
    with tempfile.TemporaryDirectory(prefix="webcom-bench-") as scratch_name:
        scratch = Path(scratch_name)
        sim = RunningSimulator(scratch, {"accounts": DEFAULT_ACCOUNTS})
        try:
            plays = scenarios(sim.api_url)
            print(f"python {sys.version.split()[0]}, {ansible_version()}, median of {args.runs} runs, default forks")
            for hosts in args.hosts:
                figures = measure(sim, plays, hosts, args.runs, scratch)
                report(f"{hosts} hosts:", figures, floors)
                print(f"  uri / facts: {figures['uri'][0] / figures['facts'][0]:.2f} x;"
                      f" lookup / env: {figures['lookup'][0] / figures['env'][0]:.2f} x")
            cold_plays = {
                "set_fact": plays["set_fact"],
                "cold": [{"webcom.mobi.balance_info": {"api_url": sim.api_url, **DOCS, "cache_ttl": 0}}],
            }
            cold = measure(sim, cold_plays, 1, max(args.runs, 5), scratch)
            report("one host, one task (cold: cache_ttl 0, a fresh worker imports and builds everything):",
                   cold, {"cold": "set_fact"})
            print(f"  cold task over set_fact: {(cold['cold'][0] - cold['set_fact'][0]) * 1000:.0f} ms")
        finally:
            sim.stop()
    print("codec (benchmarks/codec.py):")
    subprocess.run([sys.executable, str(BENCHMARKS / "codec.py"), "--repeat", "1000", "--cold", "9"], check=True)


def ansible_version() -> str:
    from ansible.release import __version__

    return f"ansible-core {__version__}"


if __name__ == "__main__":
    main()
