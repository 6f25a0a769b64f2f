"""The pytest plugin: a fresh database synced to your schema in every test.

Installed with inline_sync (entry point ``pytest11``). Point it at your schema in the pytest
configuration, or override the ``inline_sync_definitions`` fixture::

    # pyproject.toml
    [tool.pytest.ini_options]
    inline_sync_schema = ["schema.sql"]        # files, or directories of *.sql

    # a test
    def test_signup(inline_sync_db):
        inline_sync_db.execute("INSERT INTO users (email) VALUES ('a@example.com')")
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .config import Config, ConfigError, load_config
from .sources import SchemaFile
from .testing import connect, read_definitions


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the ``inline_sync_schema`` and ``inline_sync_client`` settings."""
    parser.addini(
        "inline_sync_schema",
        "schema files or directories of *.sql for the inline_sync_db fixture",
        type="paths",
        default=[],
    )
    parser.addini("inline_sync_client", "sqlite3 (default) or apsw for the inline_sync_db fixture")


@pytest.fixture(scope="session")
def inline_sync_definitions(pytestconfig: pytest.Config) -> list[SchemaFile]:
    """The definitions for :func:`inline_sync_db`: the files named by ``inline_sync_schema``,
    or else by ``schema`` under ``[tool.inline-sync]`` in pyproject.toml. They remember their
    files, so errors name ``file:line``.

    Override this fixture (in a ``conftest.py``) to give the definitions another way.
    """
    paths: list[Path] = pytestconfig.getini("inline_sync_schema")
    if not paths:
        paths = [Path(p) for p in _project(pytestconfig).schema]
    if not paths:
        raise pytest.UsageError(
            "inline_sync_db needs a schema: set inline_sync_schema in the pytest "
            "configuration or schema under [tool.inline-sync], or override the "
            "inline_sync_definitions fixture"
        )
    missing = [str(p) for p in paths if not Path(p).exists()]
    if missing:
        raise pytest.UsageError(f"inline_sync_schema: no such file: {', '.join(missing)}")
    return read_definitions(*paths)


@pytest.fixture(scope="session")
def inline_sync_ignore(pytestconfig: pytest.Config) -> list[str]:
    """Tables the fixture's sync leaves alone: ``ignore`` under ``[tool.inline-sync]``."""
    return list(_project(pytestconfig).ignore)


def _project(pytestconfig: pytest.Config) -> Config:
    try:
        return load_config(Path(str(pytestconfig.rootpath)))
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None


@pytest.fixture
def inline_sync_db(
    inline_sync_definitions: list[SchemaFile],
    inline_sync_ignore: list[str],
    pytestconfig: pytest.Config,
) -> Iterator[Any]:
    """A fresh in-memory connection, already synced, closed after the test."""
    client = pytestconfig.getini("inline_sync_client") or "sqlite3"
    conn = connect(inline_sync_definitions, client=str(client), ignore=inline_sync_ignore)
    try:
        yield conn
    finally:
        conn.close()
