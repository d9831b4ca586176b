"""cache_ttl through real ansible-playbook runs: one request per account, whatever the inventory."""

from __future__ import annotations

from pathlib import Path

from playbook_runner import play, run_playbook

DOCS = {"login": "docs-user", "password": "S3c&<\"'>r-docs"}
BIG = {"token": "big-token-7f3a"}
HOSTS = 24  # plus localhost
FORKS = 6


def every_host_checks(sim) -> list[dict]:
    lookup_args = f"api_url='{sim.api_url}', token='{BIG['token']}'"
    return [play(
        [
            {"name": "facts", "webcom.mobi.balance_facts": {"api_url": sim.api_url, **DOCS}},
            {"name": "info", "webcom.mobi.balance_info": {"api_url": sim.api_url, **BIG, "min_money": 1}},
            {"name": "template", "ansible.builtin.debug": {
                "msg": "{{ lookup('webcom.mobi.balance', 'Russia', " + lookup_args + ") }}"}},
        ],
        hosts="all",
    )]


def poisoned_imports(directory: Path, witness: Path) -> str:
    """A path where importing xmlschema or requests is written down, then fails: a cache hit must never need them."""
    for name in ("xmlschema", "requests"):
        (directory / name).mkdir(parents=True, exist_ok=True)
        (directory / name / "__init__.py").write_text(
            f"with open({str(witness)!r}, 'a') as witness:\n    witness.write('{name}\\n')\n"
            f"raise ImportError('{name} must not be imported on a cache hit')\n"
        )
    return str(directory)


def test_many_hosts_and_forks_make_one_request_per_account_across_runs(fresh_simulator, tmp_path) -> None:
    sim = fresh_simulator
    sim.fault(kind="delay", seconds=0.5)  # the first forks all miss while the first fetch is in flight
    workdir = tmp_path / "run"
    first = run_playbook(workdir, every_host_checks(sim), hosts=HOSTS, args=("--forks", str(FORKS)))
    assert first.returncode == 0, first.output
    assert sim.requests_for("docs") == 1 and sim.requests_for("big") == 1
    facts = [r["result"]["ansible_facts"]["webcom_mobi_balance"] for r in first.results if r["task"] == "facts"]
    assert len(facts) == HOSTS + 1
    assert sorted(fact["cached"] for fact in facts) == [False] + [True] * HOSTS
    assert len({fact["fetched_at"] for fact in facts}) == 1
    # ansible-core < 2.19 renders the template to text, 2.19+ keeps the number
    assert {str(r["result"]["msg"]) for r in first.results if r["task"] == "template"} == {"10000"}

    second = run_playbook(workdir, every_host_checks(sim), hosts=HOSTS, args=("--forks", str(FORKS)),
                          env={"PYTHONPATH": poisoned_imports(tmp_path / "poison", tmp_path / "imported.txt")})
    assert second.returncode == 0, second.output
    assert not (tmp_path / "imported.txt").exists(), (tmp_path / "imported.txt").read_text()
    assert sim.total_requests() == 2  # the second run asked nothing
    assert all(r["result"]["ansible_facts"]["webcom_mobi_balance"]["cached"] for r in second.results if r["task"] == "facts")
    assert all(r["result"]["balance"]["cached"] for r in second.results if r["task"] == "info")


def test_without_a_cache_every_host_asks(fresh_simulator, tmp_path) -> None:
    sim = fresh_simulator
    tasks = [{"name": "facts", "webcom.mobi.balance_facts": {"api_url": sim.api_url, **DOCS, "cache_ttl": 0}}]
    run = run_playbook(tmp_path, [play(tasks, hosts="all")], hosts=4)
    assert run.returncode == 0, run.output
    assert sim.requests_for("docs") == 5
    assert not (tmp_path / "cache" / "webcom.mobi").exists()


def test_a_wrong_password_fails_every_host_with_one_login_attempt(fresh_simulator, tmp_path) -> None:
    sim = fresh_simulator
    tasks = [{"name": "facts", "webcom.mobi.balance_facts": {
        "api_url": sim.api_url, "login": "docs-user", "password": "not-the-password"}}]
    run = run_playbook(tmp_path, [play(tasks, hosts="all")], hosts=9, args=("--forks", "5"))
    assert run.returncode != 0
    failures = [r for r in run.results if r["task"] == "facts"]
    assert len(failures) == 10 and all(r["status"] == "failed" for r in failures)
    assert sim.total_requests() == 1
    assert "not-the-password" not in run.output
    for path in (tmp_path / "cache").rglob("*"):
        if path.is_file():
            assert b"not-the-password" not in path.read_bytes()
