"""What a connection can do: the ALTER forms it accepts and its limits (the planner asks).

Apart from :mod:`inline_sync.diff` so that a plan that finds nothing to do, which needs only
the version, does not load the diff stage.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (planning path)
if TYPE_CHECKING:
    from collections.abc import Callable

#: Statement forms tried on a throwaway table ``{t}`` with columns a and b, by capability, and
#: the SQLite release that introduced them (used only when nothing can be tried).
PROBES: dict[str, tuple[tuple[int, ...], tuple[str, ...]]] = {
    "rename_column": ((3, 25), ("ALTER TABLE {t} RENAME COLUMN a TO c",)),
    "drop_column": ((3, 35), ("ALTER TABLE {t} DROP COLUMN b",)),
    # A column named rowid, oid or _rowid_ renamed away and back (SQLite 3.54 refuses both).
    "rename_rowid_column": (
        (3, 25),
        (
            "ALTER TABLE {t} ADD COLUMN oid",
            'ALTER TABLE {t} RENAME COLUMN "oid" TO c',
            'ALTER TABLE {t} RENAME COLUMN c TO "oid"',
        ),
    ),
    "alter_not_null": (
        (3, 53),
        (
            "ALTER TABLE {t} ALTER COLUMN a SET NOT NULL",
            "ALTER TABLE {t} ALTER COLUMN a DROP NOT NULL",
        ),
    ),
    "alter_checks": (
        (3, 53),
        ("ALTER TABLE {t} ADD CONSTRAINT c CHECK (a > 0)", "ALTER TABLE {t} DROP CONSTRAINT c"),
    ),
}


class Capabilities:
    """What the connection can do, and its limits.

    With ``accepts`` (a function that runs statement forms on a throwaway table and says
    whether SQLite took them all), each ALTER form is tried the first time a change could use
    it: a Durable Object on SQLite 3.54 refuses the 3.53 forms through its authorizer, so a
    version number cannot tell. Without it (unit tests), the version decides.
    """

    def __init__(
        self,
        version: tuple[int, ...],
        accepts: Callable[[tuple[str, ...]], bool] | None = None,
        *,
        max_columns: int = 2000,
    ) -> None:
        self.version = version
        self.max_columns = max_columns
        self._accepts = accepts
        self._known: dict[str, bool] = {}

    def _can(self, form: str) -> bool:
        if form not in self._known:
            since, statements = PROBES[form]
            if self._accepts is None:
                self._known[form] = self.version >= since
            else:
                self._known[form] = self._accepts(statements)
        return self._known[form]

    @property
    def drop_column(self) -> bool:
        """ALTER TABLE … DROP COLUMN (3.35)."""
        return self._can("drop_column")

    @property
    def rename_column(self) -> bool:
        """ALTER TABLE … RENAME COLUMN (3.25)."""
        return self._can("rename_column")

    @property
    def rename_rowid_column(self) -> bool:
        """RENAME COLUMN of a column named rowid, oid or _rowid_ (refused by SQLite 3.54):
        what lets a rebuild reach the real rowid of a table that has all three."""
        return self._can("rename_rowid_column")

    @property
    def alter_not_null(self) -> bool:
        """ALTER TABLE … ALTER COLUMN … SET/DROP NOT NULL (3.53)."""
        return self._can("alter_not_null")

    @property
    def alter_checks(self) -> bool:
        """ALTER TABLE … ADD/DROP CONSTRAINT for CHECK constraints (3.53)."""
        return self._can("alter_checks")

    @property
    def alter_constraints(self) -> bool:
        """Both 3.53 forms: NOT NULL and CHECK changes by ALTER."""
        return self.alter_not_null and self.alter_checks
