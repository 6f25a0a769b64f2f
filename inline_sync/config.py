"""Project settings: the ``[tool.inline-sync]`` table of ``pyproject.toml``.

    [tool.inline-sync]
    database = "app.db"              # or a glob of many: "tenants/*.db"
    schema = ["schema/"]             # files, or directories of *.sql read in name order
    ignore = ["legacy_*"]            # more tables to leave alone
    scratch-schema = "auto"          # auto, scratch-db or prefix

The command line and the pytest plugin read it from the nearest ``pyproject.toml`` at or above
the current directory; paths in it are relative to that file. Options given on the command
line override it. Reading TOML needs :mod:`tomllib` (Python 3.11+); on Python 3.10 a project
that has the table gets a clear error instead of silently ignored settings.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import SyncError

SECTION = "tool.inline-sync"
_KEYS = {"database", "schema", "ignore", "scratch-schema"}
_HAS_SECTION = re.compile(r"^\s*\[\s*tool\s*\.\s*[\"']?inline-sync[\"']?\s*\]", re.MULTILINE)


class ConfigError(SyncError):
    """``[tool.inline-sync]`` is malformed, or cannot be read on this Python."""


@dataclass(frozen=True)
class Config:
    """The settings found (``path`` is the pyproject.toml they came from; None: none found).
    Paths are already made relative to the current directory's view (absolute when needed)."""

    path: Path | None = None
    database: str | None = None
    schema: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    scratch_schema: str | None = None


def find_pyproject(start: Path | None = None) -> Path | None:
    """The nearest ``pyproject.toml`` at or above ``start`` (the current directory)."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_config(start: Path | None = None) -> Config:
    """The ``[tool.inline-sync]`` settings of the nearest pyproject.toml (empty when there is
    none, or it has no such table). Raises :class:`ConfigError` when the table is malformed,
    or when it exists but this Python has no ``tomllib``."""
    path = find_pyproject(start)
    if path is None:
        return Config()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read it: {exc}") from None
    if not _HAS_SECTION.search(text):
        return Config()
    try:
        tomllib: Any = importlib.import_module("tomllib")
    except ModuleNotFoundError:  # Python 3.10: no dependency just to read TOML
        raise ConfigError(
            f"{path}: reading [{SECTION}] needs Python 3.11 or newer (tomllib); on this "
            "Python, give every setting on the command line and pass --no-config"
        ) from None

    try:
        table = tomllib.loads(text).get("tool", {}).get("inline-sync", {})
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse_table(table, path)


def parse_table(table: Any, path: Path) -> Config:
    """Check and resolve the settings of one ``[tool.inline-sync]`` table."""
    where = f"{path}: [{SECTION}]"
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table")
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise ConfigError(
            f"{where}: unknown setting {unknown[0]!r} (known: {', '.join(sorted(_KEYS))})"
        )
    base = path.parent

    def strings(key: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: {key} must be a string or a list of strings")
        return tuple(value)

    database = table.get("database")
    if database is not None and not isinstance(database, str):
        raise ConfigError(f"{where}: database must be a string")
    scratch = table.get("scratch-schema")
    if scratch is not None and scratch not in ("auto", "scratch-db", "prefix"):
        raise ConfigError(f"{where}: scratch-schema must be auto, scratch-db or prefix")
    return Config(
        path=path,
        database=_relative(base, database) if database else None,
        schema=tuple(_relative(base, p) for p in strings("schema")),
        ignore=strings("ignore"),
        scratch_schema=scratch,
    )


def _relative(base: Path, path: str) -> str:
    """``path`` (relative to the pyproject.toml) as seen from the current directory."""
    if path == "-" or path == ":memory:" or Path(path).is_absolute():
        return path
    full = base / path
    try:
        shown = str(full.relative_to(Path.cwd().resolve()))
    except ValueError:
        shown = str(full)
    return shown + ("/" if path.endswith("/") else "")
