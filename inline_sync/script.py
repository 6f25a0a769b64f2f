"""The plan as a script a person can run with the ``sqlite3`` shell (``inline-sync plan --sql``).

A script is harder to make all-or-nothing than :func:`inline_sync.sync`, which stops at the
first error and rolls back. The ``sqlite3`` shell reading a script from stdin reports an error
and carries on with the next statement, so a final ``COMMIT`` would commit a half-applied
change; and after SQLite rolls a transaction back by itself, every later statement would run
and commit on its own. So the script:

* sets ``PRAGMA foreign_keys`` as the plan needs it *before* opening its transaction (it has no
  effect inside one), and checks that it took;
* opens the transaction with ``SAVEPOINT``, which cannot fail on a busy database (the first
  write waits or fails, and that failure is caught like any other);
* follows every schema statement with a guard that checks SQLite's schema cookie moved (a
  failed ``CREATE``/``ALTER``/``DROP`` leaves it where it was), and every row copy into a new
  table with a guard that the row counts match; a guard that sees a failure records it in a
  TEMP table and the script carries on inside the still-open transaction;
* copies rows with ``INSERT OR ABORT``, as the plan does (see ``rebuild.COPY``), so a column's
  own ``ON CONFLICT ROLLBACK`` (or ``IGNORE``) cannot end the transaction early (or drop rows)
  mid-way;
* checks foreign keys as :func:`inline_sync.sync` does (no violation that was not there before);
* ends with a ``DELETE`` that fires a TEMP trigger: when any failure was recorded it raises
  ``RAISE(ROLLBACK, …)``, which undoes everything, and the closing ``RELEASE`` then finds no
  transaction to commit. Nothing runs after that but the clean-up of the TEMP objects.

With ``-bail`` the shell stops at the first error instead; the transaction is then rolled back
when the shell exits. Either way a failure leaves the database file as it was.
"""

from __future__ import annotations

from .plan import SyncPlan
from .tokenizer import COMMENT, fold, literal, quote, tokenize

_LOG = "temp.__sync_script"
_FK = "temp.__sync_fk"
_COOKIE = "(SELECT schema_version FROM pragma_schema_version)"
_DDL = ("CREATE", "DROP", "ALTER")


def _failed(where: str) -> str:
    return f"EXISTS (SELECT 1 FROM {_LOG} WHERE failed IS NOT NULL AND {where})"


_DONE = "rolled back, nothing was changed"
#: RAISE() takes a constant message, so one trigger per kind of failure (first one wins).
_VERDICTS = (
    (_failed("step = 0"), "PRAGMA foreign_keys could not be set (it has no effect inside a "
     f"transaction: run the script on its own); {_DONE}"),
    (f"NOT {_failed('step = 0')} AND {_failed('step > 0')}",
     f"a step failed (see the error above), so the whole script was {_DONE}"),
    (f"NOT {_failed('step >= 0')} AND {_failed('step < 0')}",
     "FOREIGN KEY constraint failed: the change leaves rows without their parent row; "
     + _DONE),
)  # fmt: skip


def plan_script(plan: SyncPlan) -> str:
    """The statements of ``plan`` wrapped in guards; see the module's docstring."""
    if not plan.steps:
        return "-- the database is up to date: nothing to do\n"
    fk = "ON" if plan.foreign_keys == "enforced" else "OFF"
    out = [
        f"-- inline_sync: {len(plan.changes)} change(s). Run as one script, for example",
        "--   sqlite3 -bail app.db < this.sql",
        '-- Any failed step rolls the whole script back; see the README ("Running the SQL',
        '-- yourself").',
        f"PRAGMA foreign_keys = {fk};",
        "SAVEPOINT inline_sync;",
        f"CREATE TABLE {_LOG} (step INTEGER PRIMARY KEY, mark INTEGER, failed TEXT);",
        *(
            f"CREATE TRIGGER temp.__sync_verdict{i} BEFORE DELETE ON __sync_script WHEN {when} "
            f"BEGIN SELECT RAISE(ROLLBACK, {literal('inline_sync: ' + why)}); END;"
            for i, (when, why) in enumerate(_VERDICTS)
        ),
        f"INSERT INTO {_LOG} (step, failed) SELECT 0, 'foreign_keys' FROM pragma_foreign_keys "
        f"WHERE foreign_keys = {0 if fk == 'ON' else 1};",
    ]
    before = [c for c in plan.fk_checks if c.before is not None]
    if plan.fk_checks:
        out.append(f"CREATE TABLE {_FK} (child TEXT, parent TEXT, n INTEGER);")
        for c in before:
            out.append(
                f"INSERT INTO {_FK} SELECT {literal(fold(c.after))}, lower(parent), count(*) "
                f"FROM pragma_foreign_key_check({literal(str(c.before))}) GROUP BY 2;"
            )
    for n, step in enumerate(plan.steps, start=1):
        sql = step.sql.rstrip().rstrip(";").rstrip()
        what = literal(f"step {n}")
        first = next((t.text.upper() for t in tokenize(sql) if t.kind is not COMMENT), "")
        if step.target and step.source:  # rows copied into a new, empty table
            out.append(sql + ";")
            out.append(
                f"INSERT INTO {_LOG} (step, failed) SELECT {n}, {what} WHERE (SELECT count(*) "
                f"FROM {quote(step.target)}) <> (SELECT count(*) FROM {quote(step.source)});"
            )
        elif step.target:  # an UPDATE of every row of the table
            out.append(f"INSERT INTO {_LOG} (step, mark) SELECT {n}, total_changes();")
            out.append(sql + ";")
            out.append(
                f"UPDATE {_LOG} SET failed = {what} WHERE step = {n} AND total_changes() - mark "
                f"- 1 <> (SELECT count(*) FROM {quote(step.target)});"
            )
        elif first in _DDL:
            out.append(f"INSERT INTO {_LOG} (step, mark) SELECT {n}, {_COOKIE};")
            out.append(sql + ";")
            out.append(f"UPDATE {_LOG} SET failed = {what} WHERE step = {n} AND mark = {_COOKIE};")
        else:
            out.append(sql + ";")
    if plan.fk_checks:
        found = " UNION ALL ".join(
            f'SELECT lower("table") AS child, lower(parent) AS parent, count(*) AS n '
            f"FROM pragma_foreign_key_check({literal(c.after)}) GROUP BY 1, 2"
            for c in plan.fk_checks
        )
        out.append(
            f"INSERT INTO {_LOG} (step, failed) SELECT -1, 'FOREIGN KEY constraint failed: the "
            f"change leaves rows of ' || a.child || ' without their ' || a.parent || ' row' "
            f"FROM ({found}) AS a WHERE a.n > coalesce((SELECT sum(f.n) FROM {_FK} AS f "
            "WHERE f.child = a.child AND f.parent = a.parent), 0) LIMIT 1;"
        )
    out.append(f"DELETE FROM {_LOG};")
    out.append(f"DROP TABLE {_LOG};")
    if plan.fk_checks:
        out.append(f"DROP TABLE {_FK};")
    out.append("RELEASE inline_sync;")
    return "\n".join(out) + "\n"
