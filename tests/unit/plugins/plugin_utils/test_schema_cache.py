"""The compiled-schema cache: a pickle is loaded only when it is ours, signed, and made for this very build."""

from __future__ import annotations

import hashlib
import hmac
import io
import os
import pickle
import stat
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
import xmlschema
from xmlschema import exceptions as xmlschema_errors

from ansible_collections.webcom.mobi.plugins.plugin_utils import _codec, _schema_cache
from ansible_collections.webcom.mobi.plugins.plugin_utils._documents import BALANCE
from ansible_collections.webcom.mobi.plugins.plugin_utils._schema_cache import MAGIC, SUFFIX, TAG_BYTES, compiled

XSD = (_codec.SCHEMAS / BALANCE.schema_file).read_text(encoding="utf-8")
SETTINGS = _codec._SCHEMA_SETTINGS
ENTITY_BODY = (
    b'<?xml version="1.0"?><!DOCTYPE response [<!ENTITY e "150">]>'
    b'<response><money>&e;</money><sms area="Russia">1</sms></response>'
)


class Counting:
    """Builds of the real hardened schema, and how many pickles were unpickled meanwhile."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.builds = 0
        self.loads = 0
        real_loads = pickle.loads

        def counting_loads(data: bytes, *args, **kwargs):
            self.loads += 1
            return real_loads(data, *args, **kwargs)

        monkeypatch.setattr(_schema_cache.pickle, "loads", counting_loads)

    def schema(self, text: str = XSD) -> xmlschema.XMLSchema11:
        def build() -> xmlschema.XMLSchema11:
            self.builds += 1
            return xmlschema.XMLSchema11(text, **SETTINGS)

        return compiled(text, SETTINGS, build, xmlschema.XMLSchema11)


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    directory = tmp_path / "xdg" / "webcom.mobi"
    directory.mkdir(parents=True, mode=0o700)  # the balance cache made it, on the first check with cache_ttl > 0
    return directory


@pytest.fixture
def counting(monkeypatch, cache_dir) -> Counting:
    return Counting(monkeypatch)


def stored(cache_dir: Path) -> Path:
    (path,) = cache_dir.glob("*" + SUFFIX)
    return path


def expected_path(cache_dir: Path, text: str = XSD) -> Path:
    """Where this build's pickle belongs (the name is an HMAC of what it must have been made from)."""
    key = (cache_dir / "key").read_bytes()
    identity = _schema_cache._identity(text, SETTINGS, xmlschema.XMLSchema11)
    return cache_dir / (hmac.new(key, identity, hashlib.sha256).hexdigest() + SUFFIX)


def test_the_second_process_loads_the_signed_pickle_instead_of_building(counting, cache_dir) -> None:
    first = counting.schema()
    assert (counting.builds, counting.loads) == (1, 0)
    path = stored(cache_dir)
    status = path.lstat()
    assert stat.S_ISREG(status.st_mode) and stat.S_IMODE(status.st_mode) == 0o600
    assert status.st_uid == os.geteuid()
    assert path == expected_path(cache_dir)
    assert path.read_bytes().startswith(MAGIC)

    second = counting.schema()
    assert (counting.builds, counting.loads) == (1, 1)  # the fast path: read, verified, unpickled; not built
    assert second is not first and isinstance(second, xmlschema.XMLSchema11)
    assert second.is_valid(io.BytesIO(b'<response><money>150</money><sms area="Russia">1</sms></response>'))


def test_a_schema_from_the_pickle_keeps_its_hardening(counting) -> None:
    counting.schema()
    loaded = counting.schema()
    assert counting.loads == 1
    with pytest.raises(xmlschema_errors.XMLResourceForbidden):
        loaded.decode(io.BytesIO(ENTITY_BODY))
    with pytest.raises(xmlschema_errors.XMLResourceBlocked):
        loaded.decode("/etc/hostname")
    with pytest.raises(xmlschema_errors.XMLResourceBlocked):
        loaded.decode("file:///etc/hostname")
    # The same entity gets through a schema built without the hardening: the checks above can fail.
    assert xmlschema.XMLSchema11(XSD).to_dict(io.BytesIO(ENTITY_BODY))["money"] == 150


FIXTURES = Path(__file__).resolve().parents[3] / "unit" / "fixtures" / "responses"


def _outcome(schema: xmlschema.XMLSchema11, body: bytes) -> object:
    try:
        return schema.to_dict(io.BytesIO(body))
    except xmlschema_errors.XMLSchemaException as exc:
        return type(exc).__name__


def test_a_schema_from_the_pickle_decodes_and_encodes_as_the_built_one(counting) -> None:
    built = counting.schema()
    loaded = counting.schema()
    assert counting.loads == 1
    bodies = sorted(FIXTURES.glob("*.xml"))
    assert len(bodies) > 20
    for path in bodies:  # valid, invalid, extra elements, hostile: every outcome alike
        assert _outcome(loaded, path.read_bytes()) == _outcome(built, path.read_bytes()), path.name
    request = {"security": {"login": {"@value": "l<o>g"}, "password": {"@value": "p&w"}}}
    assert xmlschema.etree_tostring(loaded.elements["request"].encode(request)) == xmlschema.etree_tostring(
        built.elements["request"].encode(request)
    )


def test_the_codec_uses_the_cache(counting, cache_dir, monkeypatch) -> None:
    monkeypatch.setattr(_codec, "_schemas", {})
    _codec.schema_for(BALANCE)
    assert stored(cache_dir) == expected_path(cache_dir)

    def no_build(*_args, **_kwargs):
        raise AssertionError("the schema was built although a signed pickle was there")

    monkeypatch.setattr(_codec, "_schemas", {})  # as a fresh worker starts
    monkeypatch.setattr(_codec.xmlschema.XMLSchema11, "__init__", no_build)  # unpickling never calls it
    assert _codec.schema_for(BALANCE) is not None
    assert counting.loads == 1


def _tamper(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-10] ^= 0x01  # one bit inside the pickle
    path.write_bytes(bytes(data))


def _sign_with_another_key(path: Path) -> None:
    data = path.read_bytes()
    signed = data[len(MAGIC) + TAG_BYTES:]
    path.write_bytes(MAGIC + hmac.new(os.urandom(32), signed, hashlib.sha256).digest() + signed)


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: len(MAGIC) + TAG_BYTES - 1])


def _foreign_owner(path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("handing a file to another user needs root (CI runs as root)")
    os.chown(path, os.geteuid() + 4242, -1)


def _group_writable(path: Path) -> None:
    path.chmod(0o620)


def _symlink_to_a_valid_copy(path: Path) -> None:
    elsewhere = path.with_name("elsewhere.bin")
    os.rename(path, elsewhere)  # still a valid, signed pickle: only the link is wrong
    os.symlink(elsewhere.name, path)


def _fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path, 0o600)


@pytest.mark.parametrize(
    "damage",
    [_tamper, _sign_with_another_key, _truncate, _foreign_owner, _group_writable, _symlink_to_a_valid_copy, _fifo],
)
def test_a_pickle_that_is_not_ours_is_never_unpickled_and_the_schema_is_built(counting, cache_dir, damage) -> None:
    counting.schema()
    path = stored(cache_dir)
    damage(path)

    returned, schema = _within(10, counting.schema, path)
    assert returned, "the cache blocked on what was there"
    assert isinstance(schema, xmlschema.XMLSchema11)
    assert (counting.builds, counting.loads) == (2, 0)  # built again, and the bytes were never unpickled

    # What was there is replaced by a good pickle of ours, which the next process loads.
    assert stat.S_ISREG(path.lstat().st_mode)
    counting.schema()
    assert (counting.builds, counting.loads) == (2, 1)


def _another_xmlschema(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(xmlschema, "__version__", "0.0.1")
    return XSD


def _another_python(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(sys, "version", "3.0.0 (another build)")
    return XSD


def _another_xsd(_monkeypatch: pytest.MonkeyPatch) -> str:
    return XSD.replace("<xs:schema", "<!-- another revision -->\n<xs:schema", 1)


@pytest.mark.parametrize("made_for", [_another_xmlschema, _another_python, _another_xsd])
def test_a_pickle_signed_by_us_for_another_build_is_not_loaded(counting, cache_dir, made_for) -> None:
    """Even under this build's own name, with a valid signature: the signed header must name this build."""
    with pytest.MonkeyPatch.context() as patch:
        counting.schema(made_for(patch))
    os.rename(stored(cache_dir), expected_path(cache_dir))

    counting.schema()
    assert (counting.builds, counting.loads) == (2, 0)
    counting.schema()
    assert (counting.builds, counting.loads) == (2, 1)


def test_a_pickle_for_another_build_lies_under_another_name(counting, cache_dir, monkeypatch) -> None:
    counting.schema()
    monkeypatch.setattr(xmlschema, "__version__", "0.0.1")
    counting.schema()
    assert (counting.builds, counting.loads) == (2, 0)
    assert len(list(cache_dir.glob("*" + SUFFIX))) == 2


def test_without_the_cache_directory_nothing_is_written(counting, cache_dir) -> None:
    """cache_ttl 0 alone never creates the directory, so neither does the schema cache."""
    cache_dir.rmdir()
    counting.schema()
    counting.schema()
    assert (counting.builds, counting.loads) == (2, 0)
    assert not cache_dir.exists()


def test_an_unusable_cache_directory_only_costs_the_build(counting, tmp_path, monkeypatch) -> None:
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    assert isinstance(counting.schema(), xmlschema.XMLSchema11)
    assert isinstance(counting.schema(), xmlschema.XMLSchema11)
    assert (counting.builds, counting.loads) == (2, 0)


def test_an_object_of_another_class_is_not_returned(cache_dir, monkeypatch) -> None:
    """A pickle that verifies but holds something else (a changed build) is built over, not handed out."""
    compiled(XSD, SETTINGS, lambda: {"not": "a schema"}, xmlschema.XMLSchema11)
    builds = []
    schema = compiled(XSD, SETTINGS, lambda: builds.append(1) or xmlschema.XMLSchema11(XSD, **SETTINGS), xmlschema.XMLSchema11)
    assert builds == [1] and isinstance(schema, xmlschema.XMLSchema11)


def _within(seconds: float, call: Callable[[], object], path: Path) -> tuple[bool, object]:
    outcome: list = []
    worker = threading.Thread(target=lambda: outcome.append(call()), daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():  # a reader stuck opening a FIFO: let it go so the test ends
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass
        worker.join(seconds)
        return False, None
    return True, outcome[0] if outcome else None
