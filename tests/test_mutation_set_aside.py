"""Tests written to kill surviving mutants of ``inline_sync/set_aside.py`` (issue 14,
docs/mutation-testing.md). Each names, in its docstring, the mutations it catches."""

from __future__ import annotations

import pytest

from inline_sync.plan import Step
from inline_sync.set_aside import checks_schema

LEGACY_ON = "PRAGMA legacy_alter_table = ON"
LEGACY_OFF = "PRAGMA legacy_alter_table = OFF"
RENAME_TO = 'ALTER TABLE main."t" RENAME TO "u"'


@pytest.mark.parametrize(
    ("statements", "legacy", "expected"),
    [
        ([RENAME_TO], False, True),
        ([RENAME_TO], True, False),
        (["ALTER TABLE t RENAME TO u"], False, True),  # not qualified
        (["alter table t rename to u"], False, True),
        ([LEGACY_ON, RENAME_TO], False, False),
        (["PRAGMA legacy_alter_table = 1", RENAME_TO], False, False),
        (["PRAGMA legacy_alter_table = true", RENAME_TO], False, False),
        (["pragma legacy_alter_table = yes", RENAME_TO], False, False),
        ([LEGACY_OFF, RENAME_TO], True, True),
        (["PRAGMA legacy_alter_table = 0", RENAME_TO], True, True),
        ([LEGACY_ON, RENAME_TO, LEGACY_OFF, RENAME_TO], False, True),
        (['ALTER TABLE main."t" RENAME COLUMN "a" TO "b"'], True, True),
        (["ALTER TABLE t RENAME a TO b"], True, True),  # COLUMN is optional
        (['ALTER TABLE main."t" DROP COLUMN "a"'], True, True),
        (["ALTER TABLE t DROP a"], True, True),
        (['ALTER TABLE main."t" ADD COLUMN "c" INT'], False, False),
        (['ALTER TABLE "rename" ADD COLUMN "to" INT'], False, False),
        (["CREATE TABLE t (a)", "DROP TABLE u", "INSERT INTO t SELECT * FROM u"], False, False),
        ([], False, False),
    ],
)
def test_which_steps_make_sqlite_check_the_schema(
    statements: list[str], legacy: bool, expected: bool
) -> None:
    """RENAME COLUMN and DROP COLUMN always re-read every view and trigger, RENAME TO only
    while legacy_alter_table is off, as the steps themselves set it (ON, 1, TRUE, YES, in any
    case), whatever the table's name or its qualifier (kills ``checks_schema`` and
    ``_action_at`` reading the setting, the action or its place otherwise)."""
    steps = [Step("x", "table", "t", sql, "") for sql in statements]
    assert checks_schema(steps, legacy) is expected
