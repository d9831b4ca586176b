"""Where a task's per-host time goes, inside Ansible's own forked workers.

Run (from a tox env that has ansible-core and the collection's requirements):
    .tox/integration-core219/bin/python benchmarks/profile_workers.py [--hosts 20] [lookup env facts set_fact]

Ansible runs every task on every host in a worker forked from ansible-playbook, and the
worker's standard streams go nowhere, so ``-X importtime`` says nothing about it. Here a
``sitecustomize`` starts cProfile in each forked child and writes its profile when the
child ends; the profiles of one scenario's workers are summed and divided by their number.
Profiling slows Python code down (several-fold for small calls), so read the figures as
shares of a worker's time, not as wall time.
"""

from __future__ import annotations

import argparse
import pstats
import sys
import tempfile
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCHMARKS.parent / "tests"))
sys.path.insert(0, str(BENCHMARKS))
from playbook_runner import play, run_playbook  # noqa: E402
from simulator_harness import DEFAULT_ACCOUNTS, RunningSimulator  # noqa: E402

from playbooks import DOCS, scenarios  # noqa: E402

SITECUSTOMIZE = '''
import os
_where = os.environ.get("WEBCOM_PROFILE_WORKERS")
if _where:
    def _profile_child():
        import cProfile
        profiler = cProfile.Profile()
        real_exit = os._exit
        def _exit(code):
            profiler.disable()
            profiler.dump_stats(os.path.join(_where, f"{os.getpid()}.prof"))
            real_exit(code)
        os._exit = _exit  # multiprocessing's fork start ends every child through os._exit
        profiler.enable()
    os.register_at_fork(after_in_child=_profile_child)
'''

# What a worker spends its time on, by the function that covers it (file fragment, function name).
PARTS = [
    ("whole worker (WorkerProcess.run)", "executor/process/worker.py", "run"),
    ("  task executor: the task on its host", "executor/task_executor.py", "run"),
    ("  plugin loading: find, import and configure (PluginLoader.get)", "plugins/loader.py", "get"),
    ("    its options, read from the plugin's documentation", "plugins/loader.py", "_load_config_defs"),
    ("  templating", "template/__init__.py", "template"),
    ("  module transfer and run (a module task)", "plugins/action/__init__.py", "_execute_module"),
    ("webcom.mobi: import of the lookup plugin", "webcom/mobi/plugins/lookup/balance.py", "<module>"),
    ("webcom.mobi: import of the facts action", "webcom/mobi/plugins/action/balance_facts.py", "<module>"),
    ("  of which the option resolver", "webcom/mobi/plugins/plugin_utils/_resolver.py", "<module>"),
    ("  of which the action base", "webcom/mobi/plugins/plugin_utils/_action.py", "<module>"),
    ("  of which the client and cache", "webcom/mobi/plugins/plugin_utils/_client.py", "<module>"),
    ("webcom.mobi: the lookup call (LookupModule.run)", "webcom/mobi/plugins/lookup/balance.py", "run"),
    ("webcom.mobi: the action (BalanceActionBase.run)", "webcom/mobi/plugins/plugin_utils/_action.py", "run"),
    ("  options resolved", "webcom/mobi/plugins/plugin_utils/_resolver.py", "resolve"),
    ("  the cache: key, read or fetch", "webcom/mobi/plugins/plugin_utils/_cache.py", "cached_or_fetched"),
    ("  a fetch (codec, schema, HTTP)", "webcom/mobi/plugins/plugin_utils/_client.py", "fetch"),
]


def profile(sim: RunningSimulator, name: str, tasks: list[dict], hosts: int, scratch: Path) -> tuple[int, pstats.Stats]:
    """Run the scenario with every worker profiled; (number of workers, their summed profile)."""
    workdir = Path(tempfile.mkdtemp(dir=scratch, prefix=f"{name}-"))
    profiles = workdir / "profiles"
    profiles.mkdir()
    site = workdir / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
    variables = {"login": DOCS["login"], "password": DOCS["password"]}
    run = run_playbook(
        workdir / "run", [play(tasks, hosts="all", vars=variables)], hosts=hosts - 1,
        env={"PYTHONPATH": str(site), "WEBCOM_PROFILE_WORKERS": str(profiles)},
    )
    if run.returncode != 0:
        raise SystemExit(f"profiled play failed:\n{run.output[-3000:]}")
    # A child that ends mid-write (killed at the end of the run) leaves an empty or partial file: skip it.
    files = [str(path) for path in sorted(profiles.glob("*.prof")) if _readable(path)]
    if not files:
        raise SystemExit("no worker wrote a profile: is sitecustomize shadowed in this environment?")
    return len(files), pstats.Stats(*files)


def _readable(path: Path) -> bool:
    try:
        pstats.Stats(str(path))
    except (EOFError, ValueError, TypeError):
        return False
    return True


def per_worker_ms(stats: pstats.Stats, workers: int, path_fragment: str, function: str) -> float | None:
    """The cumulative time of the matching functions (outermost calls only), per worker, in ms."""
    total, found = 0.0, False
    for (filename, _line, name), (_calls, _primitive, _tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if name == function and filename.endswith(path_fragment):
            total += cumtime
            found = True
    return total * 1000 / workers if found else None


def report(name: str, workers: int, stats: pstats.Stats) -> None:
    print(f"{name}: {workers} workers profiled; per worker, cumulative (profiled) ms:")
    for label, path_fragment, function in PARTS:
        value = per_worker_ms(stats, workers, path_fragment, function)
        if value is not None:
            print(f"  {label:<66} {value:8.1f}")


def top_own_functions(stats: pstats.Stats, workers: int, limit: int) -> None:
    """The collection's own functions and module bodies, by cumulative time per worker."""
    rows = []
    for (filename, line, function), (_calls, _primitive, _tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if "webcom/mobi/" in filename:
            rows.append((cumtime * 1000 / workers, f"{filename.split('webcom/mobi/')[-1]}:{line} {function}"))
    for value, where in sorted(rows, reverse=True)[:limit]:
        print(f"    {value:8.1f}  {where}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--top", type=int, default=12, help="how many of the collection's functions to list")
    parser.add_argument("scenario", nargs="*", default=["lookup", "env"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="webcom-profile-") as scratch_name:
        scratch = Path(scratch_name)
        sim = RunningSimulator(scratch, {"accounts": DEFAULT_ACCOUNTS})
        try:
            plays = scenarios(sim.api_url)
            for name in args.scenario:
                workers, stats = profile(sim, name, plays[name], args.hosts, scratch)
                report(name, workers, stats)
                if name in ("lookup", "facts"):
                    print("  the collection's own, by cumulative time:")
                    top_own_functions(stats, workers, args.top)
        finally:
            sim.stop()


if __name__ == "__main__":
    main()
