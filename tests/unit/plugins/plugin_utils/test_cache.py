"""The balance cache against the simulator: one request per account, private files, no secrets."""

from __future__ import annotations

import json
import multiprocessing
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ansible_collections.webcom.mobi.plugins.plugin_utils._cache import BalanceCache
from ansible_collections.webcom.mobi.plugins.plugin_utils._client import current_balance
from ansible_collections.webcom.mobi.plugins.plugin_utils._errors import PlatformError
from ansible_collections.webcom.mobi.plugins.plugin_utils._options import connection_settings

DOCS_PASSWORD = "S3c&<\"'>r-docs"
BIG_TOKEN = "big-token-7f3a"


def settings(api_url: str, **options):
    values = {"api_url": api_url, "login": "docs-user", "password": DOCS_PASSWORD, "retries": 0, "timeout": 5}
    values.update(options)
    return connection_settings({k: v for k, v in values.items() if v is not None})


@pytest.fixture
def cache_home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "webcom.mobi"


@pytest.fixture
def sim(fresh_simulator):
    return fresh_simulator


def balance(sim, warnings: list[str] | None = None, **options) -> dict:
    api_url = options.pop("api_url", sim.api_url)
    return current_balance(settings(api_url, **options), (warnings if warnings is not None else []).append)


def entry_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.json"))


def test_second_call_is_served_from_the_cache_with_its_age(sim, cache_home) -> None:
    first = balance(sim)
    second = balance(sim)
    assert sim.total_requests() == 1
    assert first["cached"] is False and first["age_s"] == 0
    assert second["cached"] is True and isinstance(second["age_s"], int) and 0 <= second["age_s"] <= 2
    assert {k: v for k, v in second.items() if k not in ("cached", "age_s")} == {
        k: v for k, v in first.items() if k not in ("cached", "age_s")
    }


def test_files_are_private_and_hold_no_secret(sim, cache_home) -> None:
    balance(sim)
    balance(sim, login=None, password=None, token=BIG_TOKEN)
    with pytest.raises(PlatformError):
        balance(sim, password="wrong-password-9q")
    assert stat.S_IMODE(cache_home.stat().st_mode) == 0o700
    files = [path for path in cache_home.iterdir() if path.is_file()]
    assert {path.name for path in files} >= {"key"} and len(entry_files(cache_home)) == 3
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        content = path.read_bytes()
        for secret in (DOCS_PASSWORD, BIG_TOKEN, "wrong-password-9q", "docs-user", "big-password"):
            for form in (secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]):
                assert form.encode() not in content, (path.name, secret)
    assert not [path for path in cache_home.iterdir() if path.name.startswith(".tmp-")]


def test_different_credentials_and_urls_never_share_an_entry(sim, cache_home) -> None:
    docs = balance(sim)
    big = balance(sim, login=None, password=None, token=BIG_TOKEN)
    same_account_other_url = balance(sim, api_url=sim.api_url + "/")
    assert docs["money"] == 10 and big["money"] != 10
    assert [docs["cached"], big["cached"], same_account_other_url["cached"]] == [False, False, False]
    assert sim.total_requests() == 3
    assert len(entry_files(cache_home)) == 3


def test_a_wrong_password_is_asked_once_and_the_refusal_reused(sim, cache_home) -> None:
    with pytest.raises(PlatformError) as first:
        balance(sim, password="wrong-password-9q")
    with pytest.raises(PlatformError) as second:
        balance(sim, password="wrong-password-9q")
    assert sim.total_requests() == 1
    assert second.value.kind == first.value.kind == "auth"
    assert str(second.value).startswith(str(first.value) + " (the platform said so ")
    assert "set cache_ttl to 0 to ask again now" in str(second.value)
    assert balance(sim)["cached"] is False  # the right password is another entry


def test_cache_ttl_zero_neither_reads_nor_writes(sim, cache_home) -> None:
    balance(sim, cache_ttl=0)
    assert balance(sim, cache_ttl=0)["cached"] is False
    assert sim.total_requests() == 2
    assert not cache_home.exists()


def test_an_expired_entry_is_fetched_again(sim, cache_home) -> None:
    balance(sim)
    [entry] = entry_files(cache_home)
    content = json.loads(entry.read_text())
    content["stored_at"] -= 61
    entry.write_text(json.dumps(content))
    again = balance(sim)
    assert again["cached"] is False and sim.total_requests() == 2
    assert balance(sim, cache_ttl=3600)["cached"] is True


def _stored_at(path: Path, when: float) -> None:
    content = json.loads(path.read_text())
    content["stored_at"] = when
    path.write_text(json.dumps(content))


def _replace_with_symlink(path: Path) -> None:
    target = path.with_name("elsewhere.data")
    target.write_bytes(path.read_bytes())
    target.chmod(0o600)
    path.unlink()
    path.symlink_to(target)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda path: path.write_bytes(b"\x00{not json"), id="garbage"),
        pytest.param(lambda path: path.write_text("[]"), id="not-an-object"),
        pytest.param(lambda path: path.write_text(path.read_text().replace('"format": 1', '"format": 99')), id="format"),
        pytest.param(lambda path: path.write_text(path.read_text().replace('"money_text": "10"', '"money_text": "ten"')),
                     id="bad-money"),
        pytest.param(lambda path: path.chmod(0o644), id="readable-by-others"),
        pytest.param(lambda path: _stored_at(path, time.time() + 3600), id="from-the-future"),
        pytest.param(_replace_with_symlink, id="symlink"),
    ],
)
def test_a_corrupt_or_foreign_entry_is_ignored_and_replaced(sim, cache_home, damage) -> None:
    balance(sim)
    [entry] = entry_files(cache_home)
    damage(entry)
    warnings: list[str] = []
    assert balance(sim, warnings)["cached"] is False
    assert warnings == []
    assert sim.total_requests() == 2
    assert balance(sim)["cached"] is True  # the refetched balance was stored over it
    assert stat.S_IMODE(entry.lstat().st_mode) == 0o600 and not entry.is_symlink()


def test_an_entry_copied_under_another_name_is_not_served(sim, cache_home) -> None:
    balance(sim)
    [docs_entry] = entry_files(cache_home)
    big = settings(sim.api_url, login=None, password=None, token=BIG_TOKEN)
    big_entry = BalanceCache(big).path
    big_entry.write_bytes(docs_entry.read_bytes())
    big_entry.chmod(0o600)
    assert current_balance(big, [].append)["money"] != 10


def _key_to_elsewhere(key: Path) -> None:
    elsewhere = key.with_name("planted-key")
    elsewhere.write_bytes(b"k" * 32)
    elsewhere.chmod(0o600)
    key.unlink()
    key.symlink_to(elsewhere)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda key: key.write_bytes(b"short"), id="short"),
        pytest.param(lambda key: key.chmod(0o644), id="readable-by-others"),
        pytest.param(_key_to_elsewhere, id="symlink"),
    ],
)
def test_a_damaged_or_foreign_key_is_replaced_and_old_entries_are_misses(sim, cache_home, damage) -> None:
    balance(sim)
    damage(cache_home / "key")
    assert balance(sim)["cached"] is False
    key = cache_home / "key"
    assert not key.is_symlink() and stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_bytes()) == 32
    assert key.read_bytes() != b"k" * 32
    assert balance(sim)["cached"] is True


def test_a_loose_directory_is_closed_and_an_unusable_one_only_warns(sim, tmp_path, monkeypatch, cache_home) -> None:
    cache_home.mkdir(parents=True, mode=0o755)
    cache_home.chmod(0o755)
    balance(sim)
    assert stat.S_IMODE(cache_home.stat().st_mode) == 0o700

    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache root should be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    warnings: list[str] = []
    assert balance(sim, warnings)["money"] == 10
    assert len(warnings) == 1 and warnings[0].startswith("webcom.mobi: balance cache not used, fetching directly: ")


def _fetch_in_child(api_url: str, cache_root: str, queue) -> None:
    os.environ["XDG_CACHE_HOME"] = cache_root
    model = current_balance(settings(api_url), [].append)
    queue.put((model["cached"], model["fetched_at"]))


def test_processes_that_miss_together_make_one_request(sim, tmp_path) -> None:
    sim.fault(kind="delay", seconds=0.5)  # all eight start while the first fetch is still in flight
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    children = [
        context.Process(target=_fetch_in_child, args=(sim.api_url, str(tmp_path / "xdg"), queue)) for _child in range(8)
    ]
    for child in children:
        child.start()
    answers = [queue.get(timeout=30) for _child in children]
    for child in children:
        child.join(timeout=30)
    assert all(child.exitcode == 0 for child in children)
    assert sim.total_requests() == 1
    assert sorted(cached for cached, _fetched_at in answers) == [False] + [True] * 7
    assert len({fetched_at for _cached, fetched_at in answers}) == 1


def test_a_cache_hit_imports_neither_xmlschema_nor_requests(sim, cache_home) -> None:
    balance(sim)
    probe = (
        "import sys\n"
        "from ansible_collections.webcom.mobi.plugins.plugin_utils._client import current_balance\n"
        "from ansible_collections.webcom.mobi.plugins.plugin_utils._options import connection_settings\n"
        f"options = {{'api_url': {sim.api_url!r}, 'login': 'docs-user', 'password': {DOCS_PASSWORD!r},"
        " 'retries': 0, 'timeout': 5}\n"
        "model = current_balance(connection_settings(options), print)\n"
        "print(model['cached'], sorted(m for m in sys.modules if m.split('.')[0] in ('xmlschema', 'requests')))\n"
    )
    path = os.pathsep.join(sys.path)
    completed = subprocess.run(
        [sys.executable, "-c", probe], env={**os.environ, "PYTHONPATH": path}, capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "True []"
    assert sim.total_requests() == 1
