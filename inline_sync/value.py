"""The base of inline_sync's plain data: immutable objects compared by value.

The plan (:mod:`inline_sync.plan`), the schema model (:mod:`inline_sync.models`), a table's
diff and a parsed definition are all such objects. They behave like frozen dataclasses
(equality and hashing over the fields, a ``Name(field=value, …)`` repr, no assignment, copy and
pickle) but are written out by hand: ``dataclasses`` imports ``inspect`` and generates each
class's methods with ``exec``, which cost a fresh process's first ``plan()`` over 10 ms.
"""

from __future__ import annotations

from operator import attrgetter

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up path)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, ClassVar, TypeVar

    _V = TypeVar("_V", bound="Value")


class Value:
    """Immutable plain data compared by value, like a frozen dataclass.

    A subclass lists its fields, in order, as ``__slots__`` and sets them in ``__init__``
    (whose parameters are the fields, in that order) through :meth:`_init`. Fields named in
    ``_hidden`` are left out of ``repr``.
    """

    __slots__: tuple[str, ...] = ()
    _hidden: tuple[str, ...] = ()
    #: The fields' values as a tuple (C speed: equality and hashing are hot in the diff).
    _fields_of: ClassVar[Callable[..., tuple[Any, ...]]]
    #: The fields' setters, in order (see :func:`slot_setters`).
    _setters: ClassVar[tuple[Callable[[Any, Any], None], ...]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        fields = cls.__slots__
        if len(fields) > 1:
            get: Callable[[Any], tuple[Any, ...]] = attrgetter(*fields)
        else:  # attrgetter of one name gives the value itself, not a tuple
            get = lambda self: tuple(getattr(self, name) for name in fields)  # noqa: E731
        cls._fields_of = staticmethod(get)
        cls._setters = slot_setters(cls)

    def _init(self, **fields: Any) -> None:
        for name, value in fields.items():
            object.__setattr__(self, name, value)

    def _set(self, *values: Any) -> None:
        """Set the fields from ``values``, in ``__slots__`` order: for classes made by the
        thousand (about 2.5x cheaper than :meth:`_init`'s keyword arguments)."""
        for setter, value in zip(self._setters, values):  # noqa: B905 (hot; __init__ checks)
            setter(self, value)

    def _values(self) -> tuple[Any, ...]:
        return self._fields_of(self)

    def replace(self: _V, **changes: Any) -> _V:
        """A copy with ``changes`` (field=value) applied, like ``dataclasses.replace``."""
        fields = dict(zip(self.__slots__, self._values(), strict=True))
        fields.update(changes)
        return self.__class__(**fields)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._fields_of(self) == other._fields_of(other)

    def __hash__(self) -> int:
        return hash(self._fields_of(self))

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{name}={getattr(self, name)!r}" for name in self.__slots__ if name not in self._hidden
        )
        return f"{self.__class__.__name__}({shown})"

    def __reduce__(self) -> tuple[Any, ...]:
        # copy, deepcopy and pickle rebuild through __init__ (its parameters are the fields).
        return (self.__class__, self._values())

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{self.__class__.__name__} is immutable: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{self.__class__.__name__} is immutable: cannot delete {name!r}")


def slot_setters(cls: type[Value]) -> tuple[Callable[[Any, Any], None], ...]:
    """The setters of ``cls``'s fields, in order. An ``__init__`` on a hot path (the result of
    a sync that finds nothing to do) calls them instead of :meth:`Value._init`: about four
    times cheaper than keyword arguments and ``object.__setattr__``."""
    return tuple(cls.__dict__[name].__set__ for name in cls.__slots__)
