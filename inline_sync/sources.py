"""Where definitions come from on disk: ``.sql`` files, directories of them, or stdin.

:func:`read_schema` returns :class:`SchemaFile` objects: strings of SQL that remember the file
they came from, so that every error about a statement names ``file:line``, whichever entry
point (``sync()``, ``plan()``, ``testing.connect()``, the pytest fixture, the command line)
they were given to.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .errors import SyncError

#: The first 16 bytes of every SQLite database file.
SQLITE_HEADER = b"SQLite format 3\x00"

#: The name that stands for standard input among schema paths.
STDIN = "-"


class SchemaSourceError(SyncError):
    """A schema file or directory is missing, unreadable or not UTF-8 text."""


class SchemaFile(str):
    """The SQL text of one schema file (a ``str``), with the ``path`` it was read from.

    Pass it (or a list of them) wherever definitions are accepted; errors then name
    ``path:line`` instead of "statement 3".
    """

    path: str

    def __new__(cls, text: str, path: str) -> SchemaFile:
        """``text`` read from ``path``."""
        obj = super().__new__(cls, text)
        obj.path = path
        return obj

    @property
    def text(self) -> str:
        """The SQL as a plain string."""
        return str(self)

    def __reduce__(self) -> tuple[Any, ...]:
        return (SchemaFile, (str(self), self.path))

    def __repr__(self) -> str:
        return f"SchemaFile(path={self.path!r}, {len(self)} characters)"


def read_schema(paths: str | Path | Iterable[str | Path]) -> list[SchemaFile]:
    """Read schema files: the definitions for :func:`inline_sync.sync` and friends.

    ``paths`` is one path or several. A file is read as given (whatever its extension); a
    directory gives its ``*.sql`` files in name order (not recursively; hidden files skipped);
    ``"-"`` reads standard input. The same file is read once. Raises
    :class:`SchemaSourceError` (a :class:`~inline_sync.SyncError`) naming the path at fault.
    """
    items = [paths] if isinstance(paths, (str, Path)) else list(paths)
    if not items:
        raise SchemaSourceError("no schema files given")
    files: list[SchemaFile] = []
    seen: set[Path] = set()
    for arg in items:
        if str(arg) == STDIN:
            files.append(SchemaFile(_read_stdin(), "<stdin>"))
            continue
        for file in _expand(Path(arg), str(arg)):
            if file.resolve() in seen:
                continue
            seen.add(file.resolve())
            files.append(SchemaFile(_read_text(file), str(file)))
    return files


def _expand(path: Path, arg: str) -> list[Path]:
    if path.is_dir():
        try:
            found = sorted(p for p in path.glob("[!.]*.sql") if p.is_file())
        except OSError as exc:
            raise SchemaSourceError(f"{arg}: cannot list it: {exc.strerror}") from None
        if not found:
            raise SchemaSourceError(f"{arg}: no .sql files in this directory")
        return found
    if path.exists():
        return [path]
    raise SchemaSourceError(f"{arg}: no such schema file or directory")


def is_database_file(path: str | Path) -> bool:
    """True when ``path`` is a file that starts with SQLite's header."""
    try:
        with open(path, "rb") as f:
            return f.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def _read_text(file: Path) -> str:
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise SchemaSourceError(f"{file}: cannot read the schema file: {exc.strerror}") from None
    if data.startswith(SQLITE_HEADER):
        raise SchemaSourceError(
            f"{file}: this is a SQLite database, not a schema file (the database comes first: "
            "inline-sync plan DB SCHEMA...)"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SchemaSourceError(f"{file}: not UTF-8 text ({exc.reason})") from None


def _read_stdin() -> str:
    data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read()
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SchemaSourceError(f"<stdin>: not UTF-8 text ({exc.reason})") from None
