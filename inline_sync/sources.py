"""Where definitions come from on disk: ``.sql`` files, or directories of them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import SyncError


class SchemaSourceError(SyncError):
    """A schema file or directory is missing, unreadable or not UTF-8 text."""


@dataclass(frozen=True)
class SchemaFile:
    """One file of definitions: the path as given, and its text."""

    path: str
    text: str


def read_schema_files(paths: Sequence[str | Path]) -> list[SchemaFile]:
    """Files as given (whatever their extension); a directory gives its ``*.sql`` files in
    name order (not recursive; hidden files skipped). The same file is read once."""
    files: list[SchemaFile] = []
    seen: set[Path] = set()
    for arg in paths:
        path = Path(arg)
        if path.is_dir():
            try:
                found = sorted(p for p in path.glob("[!.]*.sql") if p.is_file())
            except OSError as exc:
                raise SchemaSourceError(f"{arg}: cannot list it: {exc.strerror}") from None
            if not found:
                raise SchemaSourceError(f"{arg}: no .sql files in this directory")
        elif path.exists():
            found = [path]
        else:
            raise SchemaSourceError(f"{arg}: no such schema file or directory")
        for file in found:
            if file.resolve() in seen:
                continue
            seen.add(file.resolve())
            try:
                files.append(SchemaFile(str(file), file.read_text(encoding="utf-8-sig")))
            except OSError as exc:
                raise SchemaSourceError(
                    f"{file}: cannot read the schema file: {exc.strerror}"
                ) from None
            except UnicodeDecodeError as exc:
                raise SchemaSourceError(f"{file}: not UTF-8 text ({exc.reason})") from None
    return files
