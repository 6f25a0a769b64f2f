"""The checks on what a caller passes to :func:`~inline_sync.sync` and
:func:`~inline_sync.plan`, made before the database is touched: a wrong type is a TypeError
that says what was expected, a value out of range a ValueError, and text SQLite cannot take
(a lone surrogate) a DefinitionError naming its statement.

The checks the start-up path needs (``wait_timeout``, ``ignore``, the options) import nothing.
"""

from __future__ import annotations

import time

from .errors import DefinitionError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up path)
if TYPE_CHECKING:
    from collections.abc import Iterable

STRATEGIES = ("auto", "scratch-db", "prefix")

#: The longest busy timeout SQLite takes (milliseconds in a C int): about 24.8 days, which is
#: what ``wait_timeout=float("inf")`` means.
MAX_WAIT_MS = 2**31 - 1


_MAX_WAIT_S = MAX_WAIT_MS / 1000


def deadline_after(wait_timeout: float) -> float:
    """When waiting for other connections' locks must stop (a ``time.monotonic()`` time)."""
    if type(wait_timeout) is float and 0.0 <= wait_timeout < _MAX_WAIT_S:  # every start-up
        return time.monotonic() + wait_timeout
    if type(wait_timeout) not in (float, int) and (
        isinstance(wait_timeout, bool) or not isinstance(wait_timeout, (int, float))
    ):
        raise TypeError(f"wait_timeout must be a number of seconds, not {wait_timeout!r}")
    if not wait_timeout >= 0:  # also NaN
        raise ValueError(f"wait_timeout must be 0 or more seconds, not {wait_timeout!r}")
    return time.monotonic() + min(float(wait_timeout), _MAX_WAIT_S)


def wait_ms(deadline: float) -> int:
    """The busy timeout (milliseconds) that ends at ``deadline``."""
    return max(0, min(MAX_WAIT_MS, int((deadline - time.monotonic()) * 1000)))


def check_options(scratch_schema: object, progress: object) -> None:
    """ValueError for an unknown strategy, TypeError for a ``progress`` that is no function."""
    if scratch_schema not in STRATEGIES:
        raise ValueError(
            f"scratch_schema must be one of {', '.join(STRATEGIES)}, not {scratch_schema!r}"
        )
    if progress is not None and not callable(progress):
        raise TypeError("progress must be a function progress(step, rows_done, rows_total)")


def ignore_patterns(ignore: object) -> tuple[str, ...]:
    """``ignore`` (one pattern or an iterable of them) as a tuple of strings."""
    if type(ignore) is tuple and not ignore:  # the default, on every start-up sync
        return ignore
    if isinstance(ignore, str):
        return (ignore,)
    patterns: tuple[object, ...] | None = None
    if type(ignore) in (tuple, list, set, frozenset) or (
        hasattr(ignore, "__iter__") and not isinstance(ignore, (bytes, bytearray, dict))
    ):
        patterns = tuple(ignore)  # type: ignore[arg-type]
    if patterns is None or not all(isinstance(p, str) for p in patterns):
        raise TypeError(f"ignore must be a name pattern or an iterable of them, not {ignore!r}")
    return patterns  # type: ignore[return-value]  # all str, checked just above


def definition_texts(definitions: str | Iterable[str]) -> list[str]:
    """The definitions as a list of strings, each encodable as UTF-8 (which SQLite needs)."""
    texts: list[object] | None
    if isinstance(definitions, str):
        texts = [definitions]
    elif isinstance(definitions, (bytes, bytearray, memoryview, dict)) or not hasattr(
        definitions, "__iter__"
    ):
        texts = None
    else:
        from collections.abc import Mapping

        texts = None if isinstance(definitions, Mapping) else list(definitions)
    if texts is None or not all(isinstance(t, str) for t in texts):
        raise TypeError(
            "definitions must be a string of SQL or an iterable of such strings (one per file, "
            f"say), not {_describe(definitions)}"
        )
    strings: list[str] = texts  # type: ignore[assignment]  # all str, checked just above
    for n, text in enumerate(strings):
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            _unencodable(strings, n, exc.start)
    return strings


def _describe(value: object) -> str:
    if isinstance(value, (list, tuple)):
        odd = next((v for v in value if not isinstance(v, str)), None)
        return f"a {type(value).__name__} holding {type(odd).__name__}"
    return type(value).__name__


def _unencodable(texts: list[str], which: int, at: int) -> None:
    """Raise DefinitionError for a character SQLite cannot take, naming its statement."""
    from .statements import split_statements

    text = texts[which]
    before = 0
    for earlier in texts[:which]:
        try:
            before += len(split_statements(earlier))
        except Exception:  # an unterminated token: counted as one statement
            before += 1
    bad = f"\\u{ord(text[at]):04x}"
    line = text.count("\n", 0, at) + 1
    statement, index = text, before + 1
    try:
        for n, stmt in enumerate(split_statements(text), before + 1):
            if stmt.tokens and stmt.tokens[0].start <= at:
                statement, index = stmt.text, n
    except Exception:  # an unterminated token: the whole text is named
        pass
    raise DefinitionError(
        f"the definitions hold a character that cannot be encoded as UTF-8 ({bad}, a lone "
        f"surrogate) at line {line}",
        statement=statement,
        index=index,
    )
