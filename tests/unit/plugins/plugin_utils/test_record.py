"""Record: the frozen value type every per-host module uses instead of a frozen dataclass."""

from __future__ import annotations

import copy
import pickle

import pytest

from ansible_collections.webcom.mobi.plugins.plugin_utils._record import Record
from ansible_collections.webcom.mobi.plugins.plugin_utils._resolver import CONNECTION_OPTIONS, configure, resolve


class Point(Record):
    __slots__ = ("x", "y", "label")
    DEFAULTS = {"label": None}
    x: int
    y: int
    label: str | None


def test_made_by_position_by_name_and_with_defaults() -> None:
    assert Point(1, 2).fields() == (1, 2, None)
    assert Point(y=2, x=1, label="a").fields() == (1, 2, "a")
    assert Point(1, y=2).label is None


def test_an_extending_record_keeps_the_fields_and_defaults_it_extends() -> None:
    class Labelled(Point):
        __slots__ = ("colour",)
        DEFAULTS = {"colour": "red"}

    assert Labelled(1, 2).fields() == (1, 2, None, "red")
    assert Labelled(1, 2, "a", colour="blue").fields() == (1, 2, "a", "blue")
    with pytest.raises(TypeError, match="tuple of names"):
        type("Spelled", (Record,), {"__slots__": "name"})  # one string: would be taken for four names


@pytest.mark.parametrize(("values", "named", "said"), [
    ((1,), {}, "missing a value for 'y'"),
    ((1, 2, "a", "b"), {}, "takes 3 values, 4 given"),
    ((1, 2), {"z": 3}, "unexpected or repeated value for 'z'"),
    ((1, 2), {"x": 3}, "unexpected or repeated value for 'x'"),
])
def test_wrong_arguments_are_type_errors(values, named, said) -> None:
    with pytest.raises(TypeError, match=said):
        Point(*values, **named)


def test_compared_and_hashed_by_type_and_fields() -> None:
    assert Point(1, 2) == Point(1, 2, None)
    assert Point(1, 2) != Point(1, 3)
    assert len({Point(1, 2), Point(1, 2), Point(2, 1)}) == 2

    class Other(Point):
        __slots__ = ()

    assert Point(1, 2) != Other(1, 2)
    assert Point(1, 2) != (1, 2, None)


def test_frozen_and_replaced_makes_a_changed_copy() -> None:
    point = Point(1, 2)
    with pytest.raises(AttributeError, match="frozen"):
        point.x = 5  # type: ignore[misc]
    with pytest.raises(AttributeError, match="frozen"):
        del point.x
    with pytest.raises(AttributeError):
        point.z = 1  # type: ignore[attr-defined]  # slots: no other attributes either
    moved = point.replaced(x=5)
    assert (point.x, moved.x, moved.y) == (1, 5, 2)


def test_repr_copy_deepcopy_and_pickle() -> None:
    point = Point(1, [2])
    assert repr(point) == "Point(x=1, y=[2], label=None)"
    assert copy.copy(point) == point
    deep = copy.deepcopy(point)
    assert deep == point and deep.y is not point.y
    assert pickle.loads(pickle.dumps(point)) == point


def test_records_that_hold_secrets_never_show_them() -> None:
    options = {"api_url": "https://example.invalid/xml", "login": "docs-user", "password": "S3cret-pw",
               "proxy": "http://user:Pr0xy-pw@proxy.invalid:3128"}
    configured = configure("webcom.mobi.test", CONNECTION_OPTIONS, options, {}, given_where="the test")
    resolved = resolve("webcom.mobi.test", CONNECTION_OPTIONS, options, {}, given_where="the test")
    for record in (configured, resolved, configured.settings, configured.settings.credentials):
        assert "S3cret-pw" not in repr(record) and "S3cret-pw" not in str(record), type(record)
        assert "Pr0xy-pw" not in repr(record), type(record)
    assert {"S3cret-pw", "Pr0xy-pw"} <= set(configured.secrets)
