# Copyright (c) 2026, webcom.mobi contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# This file is internal to the webcom.mobi collection: it is not a public API and
# may change without notice.

"""Frozen values with named fields, as cheap to define as a plain class.

Ansible loads a lookup, filter or test plugin afresh in the worker it forks for every host
and task, and with it every module of ours that plugin imports. A frozen dataclass writes and
compiles its methods when its module is imported, about 0.6 ms a class in every such worker;
a ``Record``'s methods are written once, here. What a subclass declares::

    class AreaCount(Record):
        __slots__ = ("area", "count")
        DEFAULTS = {"count": None}   # optional: values for fields not given
        area: str
        count: int | None

It then behaves as a frozen dataclass would: made by position or name, compared and hashed
by its fields, shown by its fields (unless it defines ``__repr__``), never changed after
it is made (``replaced()`` makes a changed copy).
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

R = TypeVar("R", bound="Record")


class Record:
    __slots__: ClassVar[tuple[str, ...]] = ()
    DEFAULTS: ClassVar[dict[str, Any]] = {}
    FIELDS: ClassVar[tuple[str, ...]] = ()  # made for each subclass: its slots and those of the records it extends

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if isinstance(cls.__dict__.get("__slots__"), str):
            raise TypeError(f"{cls.__name__}.__slots__ must be a tuple of names, not one string")
        lineage = [vars(klass) for klass in reversed(cls.__mro__)]  # the records it extends first
        cls.FIELDS = tuple(name for own in lineage for name in own.get("__slots__", ()))
        cls.DEFAULTS = {name: value for own in lineage for name, value in own.get("DEFAULTS", {}).items()}

    def __init__(self, *values: Any, **named: Any) -> None:
        fields = self.FIELDS
        if len(values) > len(fields):
            raise TypeError(f"{type(self).__name__}() takes {len(fields)} values, {len(values)} given")
        given = dict(zip(fields[: len(values)], values, strict=True))
        for name, value in named.items():
            if name not in fields or name in given:
                raise TypeError(f"{type(self).__name__}() got an unexpected or repeated value for {name!r}")
            given[name] = value
        for name in fields:
            if name in given:
                value = given[name]
            elif name in self.DEFAULTS:
                value = self.DEFAULTS[name]
            else:
                raise TypeError(f"{type(self).__name__}() is missing a value for {name!r}")
            object.__setattr__(self, name, value)

    def fields(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.FIELDS)

    def replaced(self: R, **changes: Any) -> R:
        """A copy with some fields changed."""
        return type(self)(**{**dict(zip(self.FIELDS, self.fields(), strict=True)), **changes})

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.fields() == other.fields()  # type: ignore[attr-defined]  # same type as self

    def __hash__(self) -> int:
        return hash((type(self), self.fields()))

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.FIELDS)
        return f"{type(self).__name__}({shown})"

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen: make a changed copy with replaced()")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen")

    def __reduce__(self) -> tuple[Any, ...]:
        # What copy, deepcopy and pickle use: made again from its fields, as __setattr__ refuses.
        return (type(self), self.fields())
