"""The per-host cost of a lookup, in wall time: what a freshly forked worker pays to load and call it.

Run (from a tox env that has ansible-core and the collection's requirements):
    .tox/integration-core219/bin/python benchmarks/lookup_worker.py [--forks 40] [--importtime]

Ansible forks one worker per host and task from ansible-playbook; a lookup plugin that
ansible-playbook itself never loaded is found, imported and configured again in every worker.
This harness does what that worker does, without the profiler's distortion: it loads what
ansible-playbook has loaded by the time it forks, then forks ``--forks`` children in turn;
each finds and loads the lookup plugin (``lookup_loader.get``) and calls it once, against the
bundled simulator, with a warm cache (the first child fetches; the rest are cache hits, as
every host after the first is in a play). The same for core's ``env`` lookup, and for a
do-nothing lookup in a collection of its own with the very same documentation (``floor``):
what Ansible itself spends on any collection's lookup that documents these options. Medians, in ms.
``--importtime`` prints, for one child, Python's own import timings of the collection's modules.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCHMARKS.parent / "tests"))
from _collection_tree import activate  # noqa: E402
from simulator_harness import DEFAULT_ACCOUNTS, RunningSimulator  # noqa: E402

from playbooks import DOCS  # noqa: E402


def floor_collection(root: Path) -> Path:
    """A collection ``benchfloor.noop`` whose lookup has the balance lookup's documentation and does nothing."""
    import ast

    # Read, not imported: importing from ansible_collections before Ansible's loader is set up would shadow it.
    source = (BENCHMARKS.parent / "plugins" / "lookup" / "balance.py").read_text(encoding="utf-8")
    documentation = next(
        node.value.value for node in ast.parse(source).body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "DOCUMENTATION"
    )
    lookup = root / "ansible_collections" / "benchfloor" / "noop" / "plugins" / "lookup"
    lookup.mkdir(parents=True)
    (lookup / "noop.py").write_text(
        "from __future__ import annotations\n"
        f"DOCUMENTATION = {documentation.replace('name: balance', 'name: noop')!r}\n"
        "from ansible.plugins.lookup import LookupBase\n\n\n"
        "class LookupModule(LookupBase):\n"
        "    def run(self, terms, variables=None, **kwargs):\n"
        "        return [0 for _term in terms]\n"
    )
    return root


def preload() -> tuple[object, object]:
    """What ansible-playbook holds when it forks a worker: the CLI, executor, loaders, templating."""
    import ansible.cli.playbook  # noqa: F401
    import ansible.executor.process.worker  # noqa: F401
    import ansible.executor.task_executor  # noqa: F401
    import ansible.plugins.action  # noqa: F401
    from ansible.parsing.dataloader import DataLoader
    from ansible.plugins.loader import init_plugin_loader, lookup_loader
    from ansible.template import Templar

    init_plugin_loader(os.environ["ANSIBLE_COLLECTIONS_PATH"].split(os.pathsep))
    loader = DataLoader()
    templar = Templar(loader=loader)
    # ansible-playbook has resolved ansible.builtin plugins (the play's debug) before it forks: so do we.
    lookup_loader.get("ansible.builtin.items", loader=loader, templar=templar)
    return loader, templar


def one_call(name: str, terms: list[str], kwargs: dict, loader: object, templar: object) -> dict[str, float]:
    from ansible.plugins.loader import lookup_loader

    started = time.perf_counter()
    plugin = lookup_loader.get(name, loader=loader, templar=templar)
    loaded = time.perf_counter()
    plugin.run(terms, variables={}, **kwargs)
    called = time.perf_counter()
    return {"load_ms": (loaded - started) * 1000, "call_ms": (called - loaded) * 1000}


def in_child(work) -> dict[str, float]:
    """Run work() in a forked child, as Ansible runs a task, and bring back its figures."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(reader)
        quiet = os.open(os.devnull, os.O_WRONLY)  # as in Ansible's workers: the plain-http warning goes nowhere
        os.dup2(quiet, 2)
        try:
            figures = work()
        except BaseException as exc:  # reported by the parent
            figures = {"error": f"{type(exc).__name__}: {exc}"}
        os.write(writer, json.dumps(figures).encode())
        os._exit(0)
    os.close(writer)
    with os.fdopen(reader, "rb") as stream:
        figures = json.loads(stream.read() or b"{}")
    os.waitpid(pid, 0)
    if "error" in figures:
        raise SystemExit(f"child failed: {figures['error']}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forks", type=int, default=40)
    parser.add_argument("--importtime", action="store_true")
    args = parser.parse_args()
    root = activate()
    with tempfile.TemporaryDirectory(prefix="webcom-worker-") as scratch:
        os.environ["XDG_CACHE_HOME"] = str(Path(scratch) / "cache")  # a fresh, private cache for this run
        floor = floor_collection(Path(scratch) / "collections")
        os.environ["ANSIBLE_COLLECTIONS_PATH"] = os.pathsep.join([str(root), str(floor)])
        sim = RunningSimulator(Path(scratch), {"accounts": DEFAULT_ACCOUNTS})
        try:
            loader, templar = preload()
            ours = ("webcom.mobi.balance", ["Russia"], {"api_url": sim.api_url, **DOCS})
            core = ("ansible.builtin.env", ["HOME"], {})
            noop = ("benchfloor.noop.noop", ["Russia"], {})
            print(f"python {sys.version.split()[0]}; per forked worker, median of {args.forks} (first call fetched):")
            in_child(lambda: one_call(*ours, loader, templar))  # the run's one fetch; the rest are hits
            samples: dict[str, list[dict[str, float]]] = {name: [] for name, _terms, _kwargs in (ours, noop, core)}
            for _fork in range(args.forks):  # interleaved, so load drift hits all alike
                for name, terms, kwargs in (ours, noop, core):
                    samples[name].append(in_child(
                        lambda name=name, terms=terms, kwargs=kwargs: one_call(name, terms, kwargs, loader, templar)
                    ))
            medians = {}
            for name, runs in samples.items():
                load = statistics.median(run["load_ms"] for run in runs)
                call = statistics.median(run["call_ms"] for run in runs)
                whole = statistics.median(run["load_ms"] + run["call_ms"] for run in runs)
                medians[name] = whole
                print(f"  {name:<22} load {load:7.1f} ms   call {call:6.1f} ms   together {whole:7.1f} ms")
            ours_ms, floor_ms, core_ms = (medians[name] for name, _terms, _kwargs in (ours, noop, core))
            print(f"  per worker: webcom.mobi.balance - env {ours_ms - core_ms:.1f} ms, of which Ansible's own for any "
                  f"collection lookup with these docs (floor - env) {floor_ms - core_ms:.1f} ms and the collection's "
                  f"(balance - floor) {ours_ms - floor_ms:.1f} ms")
            print("  one worker loading and calling webcom.mobi.balance, under cProfile (ms, cumulative):")
            for label, value in in_child(lambda: breakdown(ours, loader, templar)).items():
                print(f"    {label:<72} {value:6.1f}")
            if args.importtime:
                importtime(ours, loader, templar)
        finally:
            sim.stop()


# (label, file the function is in, function): where a lookup worker's time goes.
BREAKDOWN = [
    ("everything: find, load, configure and call the lookup", "lookup_worker.py", "one_call"),
    ("Ansible: read the plugin's options from its documentation", "ansible/plugins/loader.py", "_load_config_defs"),
    ("import of the collection's modules (all of it, below)", "webcom/mobi/plugins/lookup/balance.py", "<module>"),
    ("  compiling their source (Ansible keeps no bytecode of collection code)", "_collection_finder.py", "get_code"),
    ("  setting up their value classes", "plugin_utils/_record.py", "__init_subclass__"),
    ("  creating dataclasses (none of ours should)", "dataclasses.py", "wrap"),
    ("  compiling their regular expressions", "re/__init__.py", "compile"),
    ("  the option table, parsed from the connection doc fragment", "plugin_utils/_resolver.py", "_options_of"),
    ("the call: options, settings, cache key and cache read", "webcom/mobi/plugins/lookup/balance.py", "run"),
]


def breakdown(call: tuple, loader: object, templar: object) -> dict[str, float]:
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.runcall(one_call, *call, loader, templar)
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    figures = {}
    for label, path, function in BREAKDOWN:
        figures[label] = 1000 * sum(
            cumulative for (filename, _line, name), (_calls, _primitive, _own, cumulative, _callers) in stats.items()
            if name == function and filename.endswith(path)
        )
    return figures


def importtime(call: tuple, loader: object, templar: object) -> None:
    """Python's own import timings in one child, for the modules the lookup brings in."""
    import subprocess

    # -X importtime cannot be switched on after start: a fresh interpreter preloads, then imports the lookup.
    paths = [str(BENCHMARKS), str(BENCHMARKS.parent / "tests")]
    code = (
        f"import sys; sys.path[:0] = {paths!r}; import lookup_worker as w; w.activate(); w.preload(); "
        "from ansible.plugins.loader import lookup_loader; lookup_loader.get('webcom.mobi.balance')"
    )
    marker = "import time: self [us] | cumulative | imported package"
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, check=True)
    rows = [line for line in done.stderr.splitlines() if line.startswith("import time:") and "webcom.mobi" in line]
    print("  the collection's modules a worker imports for the lookup (Python's -X importtime, us):")
    print("   ", marker.removeprefix("import time:"))
    for line in rows:
        print("   ", line.removeprefix("import time:"))


if __name__ == "__main__":
    main()
