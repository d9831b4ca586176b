"""The balance cache against the simulator: one request per account, private files, no secrets."""

from __future__ import annotations

import fcntl
import json
import multiprocessing
import os
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from cache_hit import LOADED_MISS_ONLY

from ansible_collections.webcom.mobi.plugins.plugin_utils._cache import (
    ENTRY_FORMAT,
    MAX_ENTRY_BYTES,
    BalanceCache,
    cached_or_fetched,
)
from ansible_collections.webcom.mobi.plugins.plugin_utils._cache_fill import lock_wait_s
from ansible_collections.webcom.mobi.plugins.plugin_utils._client import current_balance, fetch
from ansible_collections.webcom.mobi.plugins.plugin_utils._documents import BALANCE, SENDERS
from ansible_collections.webcom.mobi.plugins.plugin_utils._errors import PlatformError
from ansible_collections.webcom.mobi.plugins.plugin_utils._options import connection_settings
from ansible_collections.webcom.mobi.plugins.plugin_utils._reading import Reading
from ansible_collections.webcom.mobi.plugins.plugin_utils._senders import Senders

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
        pytest.param(lambda path: path.write_text(path.read_text().replace(f'"format": {ENTRY_FORMAT}', '"format": 99')),
                     id="format"),
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
    big_entry = BalanceCache(big, BALANCE).path
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


def test_a_cache_hit_loads_neither_xmlschema_nor_the_miss_path(sim, cache_home) -> None:
    balance(sim)
    probe = (
        "import sys\n"
        "from ansible_collections.webcom.mobi.plugins.plugin_utils._client import current_balance\n"
        "from ansible_collections.webcom.mobi.plugins.plugin_utils._options import connection_settings\n"
        f"options = {{'api_url': {sim.api_url!r}, 'login': 'docs-user', 'password': {DOCS_PASSWORD!r},"
        " 'retries': 0, 'timeout': 5}\n"
        "model = current_balance(connection_settings(options), print)\n"
        f"print(model['cached'], {LOADED_MISS_ONLY})\n"
    )
    path = os.pathsep.join(sys.path)
    completed = subprocess.run(
        [sys.executable, "-c", probe], env={**os.environ, "PYTHONPATH": path}, capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.split("\n")[0] == "True []"
    assert sim.total_requests() == 1


# --- issue 12: a cache that can be trusted at its edges -------------------------------------------------

BLOCK_BOUND_S = 30  # far beyond anything these calls need when they work, yet proof they did not hang


class CountingFetch:
    """Hands out one real model from the simulator and counts the calls: the cache key is under test, not HTTP."""

    def __init__(self, reading: Reading) -> None:
        self.reading = reading
        self.calls = 0

    def __call__(self, _settings, document) -> Reading:
        self.calls += 1
        if document is SENDERS:
            return Reading(Senders(any_sender=True, names=()), api_url=self.reading.api_url, fetched_at=self.reading.fetched_at)
        return self.reading


@pytest.fixture
def real_model(simulator) -> Reading:
    return fetch(settings(simulator.api_url), BALANCE)


@pytest.mark.parametrize(
    ("first", "second", "environment"),
    [
        pytest.param({"validate_certs": False}, {"validate_certs": True}, {}, id="validate_certs"),
        pytest.param({}, {"ca_path": "/etc/webcom-test/other-ca.pem"}, {}, id="ca_path-set"),
        pytest.param({"ca_path": "/etc/webcom-test/a.pem"}, {"ca_path": "/etc/webcom-test/b.pem"}, {}, id="ca_path-other"),
        pytest.param({}, {"proxy": "http://127.0.0.1:3128"}, {}, id="proxy-set"),
        pytest.param({"proxy": "http://127.0.0.1:3128"}, {"proxy": "http://127.0.0.1:3129"}, {}, id="proxy-other"),
        pytest.param({}, {}, {"HTTPS_PROXY": "http://127.0.0.1:3128"}, id="proxy-from-environment"),
        pytest.param({}, {}, {"REQUESTS_CA_BUNDLE": "/etc/webcom-test/other-ca.pem"}, id="ca-bundle-from-environment"),
        pytest.param({}, {}, {"SSL_CERT_FILE": "/etc/webcom-test/other-ca.pem"}, id="system-ca-from-environment"),
    ],
)
def test_an_answer_is_never_served_to_a_task_that_trusts_differently(
    cache_home, monkeypatch, real_model, first, second, environment
) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"):
        monkeypatch.delenv(name, raising=False)
    fetch = CountingFetch(real_model)
    trusted_once = settings("http://127.0.0.1:9/xml", **first)
    assert cached_or_fetched(trusted_once, BALANCE, fetch, [].append).cached is False
    assert cached_or_fetched(trusted_once, BALANCE, fetch, [].append).cached is True  # same trust: the entry serves
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    trusted_otherwise = settings("http://127.0.0.1:9/xml", **second)
    assert cached_or_fetched(trusted_otherwise, BALANCE, fetch, [].append).cached is False
    assert fetch.calls == 2


def test_each_document_has_its_own_entry_and_the_lock_shares_its_name(cache_home, real_model) -> None:
    fetch = CountingFetch(real_model)
    account = settings("http://127.0.0.1:9/xml")
    assert cached_or_fetched(account, BALANCE, fetch, [].append).cached is False
    assert cached_or_fetched(account, SENDERS, fetch, [].append).cached is False
    assert cached_or_fetched(account, SENDERS, fetch, [].append).cached is True
    assert fetch.calls == 2
    entries = {path.stem for path in entry_files(cache_home)}
    assert entries == {BalanceCache(account, BALANCE).name, BalanceCache(account, SENDERS).name}
    assert {path.stem for path in cache_home.glob("*.lock")} == entries


def _make_fifo(path: Path) -> None:
    os.mkfifo(path, 0o600)


def _make_socket(path: Path) -> None:
    # AF_UNIX paths are limited to about 100 bytes: bind the bare name from inside the directory.
    here = os.getcwd()
    os.chdir(path.parent)
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
            listener.bind(path.name)  # the file stays after the socket is closed
    finally:
        os.chdir(here)


def _make_device(path: Path) -> None:
    try:
        os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 3))  # what /dev/null is
    except PermissionError:
        pytest.skip("creating a device file needs CAP_MKNOD")


def _make_loose_file(path: Path) -> None:
    path.write_bytes(b"")
    path.chmod(0o644)  # regular, but open to others: not a private file of ours


def _unblock(path: Path) -> None:
    """Let a reader stuck opening a FIFO go (a writer arrives and leaves), so a failing test ends."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
    except OSError:
        pass


def _returns_within(call, seconds: float, unblock) -> tuple[bool, list]:
    """Run call() in a thread; (returned in time, [its result or exception])."""
    outcome: list = []

    def run() -> None:
        try:
            outcome.append(call())
        except BaseException as exc:  # handed to the test to assert on
            outcome.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    returned = not worker.is_alive()
    if not returned:
        unblock()
        worker.join(seconds)
    return returned, outcome


def _paths(cache_home: Path, api_url: str) -> dict[str, Path]:
    entry = BalanceCache(settings(api_url), BALANCE).path
    return {"key": cache_home / "key", "entry": entry, "lock": entry.with_suffix(".lock")}


@pytest.mark.parametrize(
    "make", [_make_fifo, _make_socket, _make_device, _make_loose_file], ids=["fifo", "socket", "device", "loose-file"]
)
@pytest.mark.parametrize("where", ["key", "entry", "lock"])
def test_a_special_file_in_the_cache_is_a_miss_and_never_blocks(sim, cache_home, make, where) -> None:
    target = _paths(cache_home, sim.api_url)[where]
    target.unlink(missing_ok=True)
    make(target)
    warnings: list[str] = []
    returned, outcome = _returns_within(lambda: balance(sim, warnings), BLOCK_BOUND_S, lambda: _unblock(target))
    assert returned, f"a {make.__name__} at the {where} path blocked the check"
    [model] = outcome
    assert isinstance(model, dict) and model["money"] == 10 and model["cached"] is False
    if where == "lock":
        # Never waited on: fetched without the cache, and removed so that the next check caches again.
        assert len(warnings) == 1 and warnings[0].startswith("webcom.mobi: balance cache lock not usable, fetching directly")
        assert "not a regular private file" in warnings[0]
        assert not target.exists()
        assert balance(sim)["cached"] is False and balance(sim)["cached"] is True
        assert stat.S_ISREG(target.lstat().st_mode)
    else:
        # The key is replaced, the entry written over: the next check is served from the cache.
        assert warnings == []
        assert balance(sim)["cached"] is True
        assert stat.S_ISREG(target.lstat().st_mode)


def _age(path: Path, seconds: float) -> None:
    when = time.time() - seconds
    os.utime(path, (when, when), follow_symlinks=False)


DAY = 24 * 3600


def _last_prune_hours_ago(cache_home: Path, hours: float) -> None:
    marker = cache_home / ".pruned"
    if marker.exists():  # without one a prune is due anyway
        _age(marker, hours * 3600)


def test_old_entries_locks_and_leftovers_are_pruned_when_writing(sim, cache_home) -> None:
    balance(sim)  # docs: entry, lock, key, and the first prune (nothing old yet)
    [old_entry] = entry_files(cache_home)
    old_lock = old_entry.with_suffix(".lock")
    leftover = cache_home / ".tmp-crashed-writer.json"
    leftover.write_text("{")
    stale_fifo = cache_home / ("f" * 64 + ".lock")
    os.mkfifo(stale_fifo, 0o600)
    unrelated = cache_home / "notes.txt"
    unrelated.write_text("not ours to remove")
    for path in (old_entry, old_lock, leftover, stale_fifo, unrelated, cache_home / "key"):
        _age(path, 2 * DAY)
    _last_prune_hours_ago(cache_home, 2)

    assert balance(sim, cache_ttl=3 * DAY)["cached"] is True  # a hit never prunes
    assert old_entry.exists()

    balance(sim, login=None, password=None, token=BIG_TOKEN)  # a write: the prune is due
    assert not old_entry.exists() and not old_lock.exists() and not leftover.exists() and not stale_fifo.exists()
    assert unrelated.exists() and (cache_home / "key").exists()
    assert len(entry_files(cache_home)) == 1  # the one just written
    assert balance(sim)["cached"] is False and sim.total_requests() == 3


def test_pruning_runs_at_most_hourly_and_spares_a_held_lock_and_a_long_ttl(sim, cache_home) -> None:
    def entry_of(**options) -> Path:
        return BalanceCache(settings(sim.api_url, **options), BALANCE).path

    balance(sim)  # first write: prunes the empty directory, leaves the marker
    docs_entry = entry_of()
    docs_lock = docs_entry.with_suffix(".lock")
    _age(docs_entry, 2 * DAY)
    _age(docs_lock, 2 * DAY)
    balance(sim, login=None, password=None, token=BIG_TOKEN)  # a write, but the last prune was just now
    assert docs_entry.exists()

    _last_prune_hours_ago(cache_home, 2)
    holder = os.open(docs_lock, os.O_RDWR)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)  # some fork is still working under it
        balance(sim, login="ru-user", password="ru-password")  # a write with the default TTL: the prune is due
    finally:
        os.close(holder)
    assert not docs_entry.exists()  # two days old
    assert docs_lock.exists()  # as old, but held: not idle

    ru_entry = entry_of(login="ru-user", password="ru-password")
    _age(ru_entry, 2 * DAY)
    _last_prune_hours_ago(cache_home, 2)
    balance(sim, cache_ttl=3 * DAY, login="short-user", password="10")  # a writer keeping answers three days
    assert ru_entry.exists()  # two days old, but this writer's cache_ttl is three

    _last_prune_hours_ago(cache_home, 2)
    with pytest.raises(PlatformError):
        balance(sim, login="locked-user", password="locked-password")  # its refusal is a write too
    assert not ru_entry.exists() and not docs_lock.exists()


def test_an_entry_too_large_to_read_back_is_not_written(cache_home) -> None:
    account = settings("http://127.0.0.1:9/xml")
    refusals = 0

    def refuse(_settings, _document):
        nonlocal refusals
        refusals += 1
        raise PlatformError("the platform said no", kind="unknown", text="x" * MAX_ENTRY_BYTES)

    warnings: list[str] = []
    for _attempt in range(2):
        with pytest.raises(PlatformError):
            cached_or_fetched(account, BALANCE, refuse, warnings.append)
    assert refusals == 2  # nothing it could read back, so it asked again
    assert [path for path in cache_home.iterdir() if path.stat().st_size > MAX_ENTRY_BYTES] == []
    assert entry_files(cache_home) == []
    assert len(warnings) == 2 and all(w.startswith("webcom.mobi: answer not cached: ") for w in warnings)


def test_a_fork_waits_for_a_stuck_lock_holder_no_longer_than_a_whole_check(sim, cache_home) -> None:
    quick = {"timeout": 0.5, "retries": 0}  # bound: 0.5 s of fetching, plus the margin for the holder's imports
    lock_path = _paths(cache_home, sim.api_url)["entry"].with_suffix(".lock")
    holder = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(holder, fcntl.LOCK_EX)  # a holder that never finishes (stopped, or not ours)
    warnings: list[str] = []
    started = time.monotonic()
    try:
        returned, outcome = _returns_within(lambda: balance(sim, warnings, **quick), BLOCK_BOUND_S, lambda: None)
        waited = time.monotonic() - started
    finally:
        os.close(holder)  # lets a waiter that never gives up go, so a failing run ends
    assert returned, "the waiter was still waiting for the lock long after the bound"
    [model] = outcome
    assert isinstance(model, dict) and model["money"] == 10 and model["cached"] is False
    # It did wait for the holder first (about lock_wait_s), then fetched itself and said so once.
    assert waited >= lock_wait_s(settings(sim.api_url, **quick)) - 0.05
    assert len(warnings) == 1 and "held the balance cache lock longer than a whole check may take" in warnings[0]
    assert sim.total_requests() == 1
    assert balance(sim)["cached"] is True  # its answer was kept for the others


class FakeClock:
    """time.monotonic and time.sleep for the lock's polling schedule: sleeps advance the clock, nothing waits."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 4))
        self.now += seconds


def test_waiting_forks_look_again_soon_then_less_often_and_stop_at_the_deadline(monkeypatch) -> None:
    from ansible_collections.webcom.mobi.plugins.plugin_utils import _cache_fill

    clock = FakeClock()
    monkeypatch.setattr(_cache_fill.time, "monotonic", clock.monotonic)
    monkeypatch.setattr(_cache_fill.time, "sleep", clock.sleep)

    def held_elsewhere(_descriptor, _operation):
        raise BlockingIOError

    monkeypatch.setattr(_cache_fill.fcntl, "flock", held_elsewhere)
    assert _cache_fill._flock_until(-1, deadline=clock.now + 5.0) is False
    assert clock.now == pytest.approx(105.0)  # waited the whole bound, and not a moment past it
    assert clock.sleeps[:4] == [0.005, 0.01, 0.02, 0.02]  # the usual fetch: its answer is read within 20 ms
    waited = 0.0
    for pause in clock.sleeps[:-1]:  # the last one is cut to the deadline
        assert pause <= max(0.02, waited / 10) + 1e-9 and pause <= 0.1
        waited += pause
    assert max(clock.sleeps) == 0.1  # a slow fetch is looked for every 100 ms, not every 20
    assert len(clock.sleeps) < 80  # 5 s of waiting is a few dozen looks, not hundreds


def test_a_waiting_fork_takes_the_lock_as_soon_as_it_is_free(monkeypatch) -> None:
    from ansible_collections.webcom.mobi.plugins.plugin_utils import _cache_fill

    clock = FakeClock()
    monkeypatch.setattr(_cache_fill.time, "monotonic", clock.monotonic)
    monkeypatch.setattr(_cache_fill.time, "sleep", clock.sleep)
    freed_at = clock.now + 0.15

    def freed_later(_descriptor, _operation):
        if clock.now < freed_at:
            raise BlockingIOError

    monkeypatch.setattr(_cache_fill.fcntl, "flock", freed_later)
    assert _cache_fill._flock_until(-1, deadline=clock.now + 5.0) is True
    assert clock.now - freed_at < 0.02
