"""The SQL of a table rebuild, keeping every row, rowid and AUTOINCREMENT counter.

Two ways, chosen by whether foreign keys can be switched off while applying:

* foreign keys off (stdlib ``sqlite3``, ``apsw``): rename the old table aside with
  ``legacy_alter_table=ON`` (nothing else is rewritten), create the table from the user's own
  statement (so its stored text is exactly theirs), copy, drop the old copy. Nothing cascades.
* foreign keys enforced (Durable Objects): rebuild the table together with every table that
  references it, under temporary names whose REFERENCES point at each other, copy parents first,
  drop the old tables, rename the new ones into place. Dropping the old tables cascades nowhere,
  because nothing references them any more.
"""

from __future__ import annotations

from collections.abc import Callable

from .diff import Capabilities, TableDiff, rename_names, renames_by_alter
from .drop_order import old_tables_order
from .models import Index, Schema, Table, free_rowid_name
from .names import PREFIX, free_name, in_main, rename_order
from .plan import Step
from .statement_names import rename_tables_in
from .tokenizer import (
    COMMENT,
    STRING,
    WORD,
    Token,
    fold,
    literal,
    qualifier_length,
    quote,
    splice,
    tokenize,
)


def _rowid_name(table: Table) -> str | None:
    return free_rowid_name(c.key for c in table.columns)


def column_mapping(dt: TableDiff) -> tuple[list[str], list[str], list[str]]:
    """(target columns, source expressions, lost current columns) for copying rows.

    The source is the table as it is in the database when the copy runs: column renames of a
    rebuilt table are done by the copy itself, not by ALTER.
    """
    new_to_old = {fold(new): old for old, new in dt.column_renames}
    # dt.current already carries the new names; map back to what is really there.
    real_names = {c.key: new_to_old.get(c.key, c.name) for c in dt.current.columns}
    targets: list[str] = []
    sources: list[str] = []
    used: set[str] = set()
    for col in dt.desired.columns:
        if col.generated is not None or col.key not in real_names:
            continue
        targets.append(quote(col.name))
        sources.append(quote(real_names[col.key]))
        used.add(col.key)
    alias = dt.desired.rowid_alias()
    if (
        not dt.desired.without_rowid
        and not dt.current.without_rowid
        and (alias is None or alias not in used)
    ):
        # (The old table's real names: a column the copy renames still holds its old one.)
        new_rowid, old_rowid = (
            _rowid_name(dt.desired),
            free_rowid_name(map(fold, real_names.values())),
        )
        if new_rowid and old_rowid:
            targets.insert(0, new_rowid)
            sources.insert(0, old_rowid)
    # A column made generated keeps its name but not its values: they are computed instead.
    made = {c.key for c in dt.desired.columns if c.generated is not None}
    lost = [
        real_names[c.key]
        for c in dt.current.columns
        if c.generated is None and (dt.desired.column(c.key) is None or c.key in made)
    ]
    return targets, sources, lost


def _sequence_steps(name: str, source: str, dt: TableDiff) -> list[Step]:
    """Carry the AUTOINCREMENT counter over, even past the largest rowid copied.

    ``sqlite_sequence`` keeps a name as its table was made, and ``source`` (or ``name``) may
    be the declared name in another case: its rows are found as SQLite finds the table
    (NOCASE folds ASCII only, as SQLite folds names). Where the old table has no row (deleted
    by hand), the new copy keeps the one its copied rows gave it."""
    if not (dt.desired.autoincrement and dt.current.autoincrement):
        return []
    n, s = f"{literal(name)} COLLATE NOCASE", f"{literal(source)} COLLATE NOCASE"
    sql_update = (
        f"UPDATE main.sqlite_sequence SET seq = max(seq, coalesce((SELECT seq FROM "
        f"main.sqlite_sequence WHERE name = {s}), seq)) WHERE name = {n}"
    )
    sql_insert = (
        f"INSERT INTO main.sqlite_sequence (name, seq) SELECT {literal(name)}, seq FROM "
        f"main.sqlite_sequence WHERE name = {s} AND NOT EXISTS (SELECT 1 FROM "
        f"main.sqlite_sequence WHERE name = {n})"
    )
    why = "keep the AUTOINCREMENT counter"
    return [
        Step("copy sequence", "table", dt.desired.name, sql_update, why),
        Step("copy sequence", "table", dt.desired.name, sql_insert, why),
    ]


def _copy(
    target: str,
    source: str,
    dt: TableDiff,
    max_columns: int,
    reach_rowid: Callable[[], bool] | None,
) -> list[Step]:
    """Copy every row, rowids included, in statements of at most ``max_columns`` columns."""
    targets, sources, _lost = column_mapping(dt)
    if not targets:
        return []
    before: list[Step] = []
    after: list[Step] = []
    if targets[0] not in _ROWID_NAMES and reach_rowid is not None:
        before, after = _free_rowid(dt, target, source, targets, sources, reach_rowid)
    return before + _copy_rows(target, source, dt, targets, sources, max_columns) + after


def _free_rowid(
    dt: TableDiff,
    target: str,
    source: str,
    targets: list[str],
    sources: list[str],
    reach_rowid: Callable[[], bool],
) -> tuple[list[Step], list[Step]]:
    """When columns named rowid, oid and _rowid_ leave no name for the real rowid of the old
    table or the new one, rename the column ``rowid`` aside for the copy (the old copy is
    dropped afterwards; the new table's column gets its name back), so that the copy keeps
    the rowids; ``targets`` and ``sources`` are updated. Nothing where SQLite refuses such a
    rename (3.54 does): the rows are then copied in rowid order, numbered from 1."""
    cur, des = dt.current, dt.desired
    alias = des.rowid_alias()
    copied = {c.key for c in des.columns if quote(c.name) in targets}
    if cur.without_rowid or des.without_rowid or (alias is not None and alias in copied):
        return [], []
    new_rowid, old_rowid = _rowid_name(des), _rowid_name(cur)
    if not reach_rowid():
        return [], []
    # A name no column of either copy has (a column may be named so: it is not an object).
    aside = quote(free_name(PREFIX + "rowid", {c.key for c in (*cur.columns, *des.columns)}))
    name = des.name
    why = "keep the rowids (columns named rowid, oid and _rowid_ hide them)"
    before: list[Step] = []
    after: list[Step] = []
    if old_rowid is None:
        # (No column renames are left to the copy here: only a WITHOUT ROWID table's, returned
        # above, or a rowid name's where nothing can reach the rowid: see renames_by_alter.)
        column = next(c.name for c in cur.columns if c.key == "rowid")
        before.append(Step("copy rowids", "table", name,
                           f"ALTER TABLE {in_main(source)} RENAME COLUMN {quote(column)} TO "
                           f"{aside}", why))  # fmt: skip
        sources[:] = [aside if s == quote(column) else s for s in sources]
        old_rowid = "rowid"
    if new_rowid is None:
        column = next(c.name for c in des.columns if c.key == "rowid")
        t = in_main(target)
        before.append(
            Step(
                "copy rowids",
                "table",
                name,
                f"ALTER TABLE {t} RENAME COLUMN {quote(column)} TO {aside}",
                why,
            )
        )
        after.append(
            Step(
                "copy rowids",
                "table",
                name,
                f"ALTER TABLE {t} RENAME COLUMN {aside} TO {quote(column)}",
                why,
            )
        )
        targets[:] = [aside if t_ == quote(column) else t_ for t_ in targets]
        new_rowid = "rowid"
    targets.insert(0, new_rowid)
    sources.insert(0, old_rowid)
    return before, after


#: How a rebuild copies rows: OR ABORT overrides the new table's own ON CONFLICT clauses,
#: whose REPLACE or IGNORE would silently delete or skip the rows that break a new constraint.
COPY = "INSERT OR ABORT INTO"


def _copy_rows(
    target: str,
    source: str,
    dt: TableDiff,
    targets: list[str],
    sources: list[str],
    max_columns: int,
) -> list[Step]:
    name, t, s = dt.desired.name, in_main(target), in_main(source)
    why = "copy every row into the new table"
    with_rowid = targets[0] in _ROWID_NAMES
    if len(targets) <= max_columns or not with_rowid:
        sql = f"{COPY} {t} ({', '.join(targets)}) SELECT {', '.join(sources)} FROM {s}"
        alias = dt.desired.rowid_alias()
        made = dt.desired.column(alias) if alias and alias != dt.current.rowid_alias() else None
        if made is not None and quote(made.name) in targets:
            # A column made the rowid: its NULLs get new rowids, after every number it holds
            # (copied before them, a NULL could take a number a later row holds).
            sql += f" ORDER BY {sources[targets.index(quote(made.name))]} IS NULL"
        return [Step("copy rows", "table", name, sql, why, source=source, target=target)]
    # One column too many for the host (a Durable Object counts result columns too): copy the
    # columns in rowid order, so the empty new table numbers the rows 1, 2, … in that order,
    # then give each row its old rowid back through a table of (position, rowid). The rows are
    # first moved to free rowids (_shift), so no two ever collide.
    new_id, old_id = targets[0], sources[0]
    cols, vals = ", ".join(targets[1:]), ", ".join(sources[1:])
    ids = in_main(PREFIX + "rowids")
    shift = _shift(ids)
    keep = "keep the rowids (the host's column limit leaves no room for them in the copy)"
    return [
        Step("copy columns", "table", name,
             f"{COPY} {t} ({cols}) SELECT {vals} FROM {s} ORDER BY {old_id}", why,
             source=source, target=target),
        Step("copy rowids", "table", name,
             f"CREATE TABLE {ids} (n INTEGER PRIMARY KEY, r INTEGER)", keep),
        Step("copy rowids", "table", name,
             f"INSERT INTO {ids} (r) SELECT {old_id} FROM {s} ORDER BY {old_id}", keep,
             source=source, target=PREFIX + "rowids"),
        Step("copy rowids", "table", name,
             f"UPDATE {t} SET {new_id} = {new_id} + {shift}", keep, target=target),
        Step("copy rowids", "table", name,
             f"UPDATE {t} SET {new_id} = (SELECT r FROM {ids} WHERE n = {t}.{new_id} - {shift})",
             keep, target=target),
        Step("copy rowids", "table", name, f"DROP TABLE {ids}", keep),
    ]  # fmt: skip


def _shift(ids: str) -> str:
    """What to add to each position 1..k so that no moved row meets an old rowid (``r``, in
    rowid order by ``n``) nor a position, without overflow: above both where that fits in 64
    bits, else below both, else into the first gap after an old rowid that holds k values."""
    gap = (
        f"(SELECT a.r FROM {ids} AS a JOIN {ids} AS b ON b.n = a.n + 1 "
        "WHERE b.r - k > a.r AND (a.r >= k OR a.r <= -k) ORDER BY a.n LIMIT 1)"
    )
    return (
        "(SELECT CASE WHEN hi <= 9223372036854775807 - 2 * k THEN max(k, hi) "
        "WHEN lo >= -9223372036854775807 + 2 * k THEN min(0, lo) - k - 1 "
        f"ELSE {gap} END FROM (SELECT count(*) AS k, coalesce(max(r), 0) AS hi, "
        f"coalesce(min(r), 0) AS lo FROM {ids}))"
    )


_ROWID_NAMES = frozenset({"rowid", "_rowid_", "oid"})


def rebuild_steps(
    dt: TableDiff,
    create_sql: str,
    legacy: bool,
    max_columns: int,
    reach_rowid: Callable[[], bool] | None = None,
    attached: list[tuple[str, str]] | None = None,
) -> tuple[list[Step], list[str]]:
    """Rebuild one table with foreign keys off. Returns the steps and the lost columns.

    ``dt`` is a rebuild as ``diff.compare_table`` decides one, which always gives its reasons.
    An old table whose text, or that of an index that stays on it (``attached``: the text and
    table name of those that are not ours), names a column by the table's name (``CHECK (t.a >
    0)``) cannot be renamed aside: SQLite checks that text against the new name. The new table
    is then made under a temporary name and renamed into place once the old one is dropped."""
    name = dt.desired.name
    why = "; ".join(dt.reasons)
    into_new = any(_names_itself(*it) for it in ((dt.current.sql, name), *(attached or [])))
    old, new = (name, PREFIX + "new_" + name) if into_new else (PREFIX + "old_" + name, name)
    steps: list[Step] = []
    if not legacy:
        steps.append(Step("setting", "pragma", "", "PRAGMA legacy_alter_table = ON",
                          "rename aside without rewriting other objects"))  # fmt: skip
    if into_new:
        steps.append(Step("rebuild", "table", name,
                          _retarget(create_sql, name, {fold(name): new}, references=False),
                          f"rebuild ({why}): new definition, under a temporary name"))  # fmt: skip
    else:
        steps.append(Step("rebuild", "table", name,
                          f"ALTER TABLE {in_main(name)} RENAME TO {quote(old)}",
                          f"rebuild ({why}): move the old table aside"))  # fmt: skip
        steps.append(Step("rebuild", "table", name, create_sql, f"rebuild ({why}): new definition"))
    steps += _copy(new, old, dt, max_columns, reach_rowid)
    steps += _sequence_steps(new, old, dt)
    steps.append(Step("rebuild", "table", name, f"DROP TABLE {in_main(old)}",
                      "drop the old copy"))  # fmt: skip
    if into_new:
        steps.append(Step("rebuild", "table", name,
                          f"ALTER TABLE {in_main(new)} RENAME TO {quote(name)}",
                          "move the new table into place"))  # fmt: skip
    if not legacy:
        steps.append(Step("setting", "pragma", "", "PRAGMA legacy_alter_table = OFF",
                          "restore the connection's setting"))  # fmt: skip
    return steps, column_mapping(dt)[2]


def their_indexes(
    theirs: tuple[tuple[str, str, str, str], ...], *tables: str | None
) -> list[tuple[str, str]]:
    """(text, table) of the indexes that are not ours (``theirs``: sqlite_schema rows) on any
    of ``tables``: a rebuild leaves them on the old table."""
    on = {fold(t) for t in tables if t}
    return [(sql, table) for kind, _, table, sql in theirs if kind == "index" and fold(table) in on]


def _names_itself(sql: str, table: str) -> bool:
    """Whether a CREATE TABLE or CREATE INDEX text names a column by the table's name
    (``t.a``) after its opening parenthesis."""
    sig = [t for t in tokenize(sql) if t.kind is not COMMENT]
    body = next(i for i, t in enumerate(sig) if t.text == "(")
    own = fold(table)
    return any(qualifier_length(sig, i, own) for i in range(body, len(sig)))


def rename_tables(pairs: list[tuple[str, str]]) -> list[Step]:
    """ALTER TABLE … RENAME TO for each (old, new) of the hinted table renames, in an order
    where each new name is free (a chain from its end)."""
    return [
        Step("rename", "table", new,
             f"ALTER TABLE {in_main(old)} RENAME TO {quote(new)}",
             f"@renamed hint: {old} -> {new}")
        for old, new in rename_order(pairs)
    ]  # fmt: skip


def rename_columns(table: str, renames: tuple[tuple[str, str], ...]) -> list[Step]:
    """ALTER TABLE … RENAME COLUMN for each (old, new) of ``table``'s renames (by hint, or
    to a new case), in an order where each new name is free (a chain from its end)."""
    return [
        Step("rename column", "table", table,
             f"ALTER TABLE {in_main(table)} RENAME COLUMN {quote(old)} TO {quote(new)}",
             f"column {old} declared as {new}" if fold(old) == fold(new)
             else f"@renamed hint on column {new}")
        for old, new in rename_order(list(renames))
    ]  # fmt: skip


def renames_first(dt: TableDiff, caps: Capabilities) -> tuple[list[Step], TableDiff]:
    """A rebuilt table's hinted column renames done by RENAME COLUMN before the rebuild, and
    the diff the rebuild then copies by (the new names on both sides): SQLite rewrites the
    REFERENCES of the tables that name a renamed column, where a copy under the new names
    would leave them naming the old one ("foreign key mismatch" once its parent is rebuilt)."""
    if not dt.column_renames or not renames_by_alter(dt.column_renames, caps, dt.current):
        return [], dt
    plain = TableDiff(dt.current, dt.desired, rebuild=dt.rebuild, reasons=dt.reasons)
    return rename_columns(dt.desired.name, dt.column_renames), plain


def closure_parent_keys(
    desired: Schema, group: list[str], inside: bool = True
) -> dict[str, list[Index]]:
    """The UNIQUE indexes (by folded table) that foreign keys of ``group`` name as their
    parent key, on tables of the group (or, ``inside=False``, outside it). A partial or
    expression index is no parent key."""
    referenced = {
        (fk.table, frozenset(fk.ref_columns))
        for k in group
        for fk in desired.tables[k].foreign_keys
        if (fk.table in group) == inside and fk.ref_columns  # (none: the primary key)
    }
    found: dict[str, list[Index]] = {}
    for ix in desired.indexes.values():
        if (
            ix.definition.startswith("unique ")
            and " where " not in ix.definition
            and any(table == ix.table and columns <= ix.names for table, columns in referenced)
        ):
            found.setdefault(ix.table, []).append(ix)
    return found


def outside_parent_keys(
    desired: Schema, group: list[str], there: Callable[[str], bool]
) -> list[Index]:
    """The UNIQUE indexes outside ``group`` that its foreign keys name as their parent key and
    that are not ``there`` yet (by folded name): with foreign keys on, SQLite refuses to copy
    the rows of a child whose parent key has no index ("foreign key mismatch"), so these are
    made before the copy, not with the other indexes at the end."""
    found = closure_parent_keys(desired, group, inside=False).values()
    return [ix for ixs in found for ix in ixs if not there(fold(ix.name))]


def late_drops(current: Schema, drops: list[str], kept: set[str]) -> list[str]:
    """The dropped tables whose rows' deletion would reach a kept table through the foreign
    keys it has now (directly or through other dropped tables): where foreign keys stay on,
    DROP TABLE deletes every row first and fires the ON DELETE actions, so these go after
    the kept tables are rebuilt without their reference."""
    late = {fk.table for k in kept for fk in current.tables[k].foreign_keys if fk.table in drops}
    grew = True
    while grew:
        more = {
            fk.table for k in late for fk in current.tables[k].foreign_keys if fk.table in drops
        } - late
        late |= more
        grew = bool(more)
    return [k for k in drops if k in late]


def _retarget(sql: str, own: str, temp: dict[str, str], references: bool = True) -> str:
    """The CREATE TABLE text with its own name and (``references``) its REFERENCES to closure
    tables renamed. A column qualified by the table's name (``CHECK (t.a > 0)``, or ``main.t.a``)
    loses the qualifier, which would name nothing under the temporary name; SQLite's RENAME into
    place does not rewrite it (ddl compares ``t.a``, ``main.t.a`` and ``a`` there as the same)."""
    edits: list[tuple[Token, str]] = []
    named = False
    prev_sig = ""
    sig = [tok for tok in tokenize(sql) if tok.kind is not COMMENT]
    for i, tok in enumerate(sig):
        qualifier = i + 1 < len(sig) and sig[i + 1].text == "."
        if prev_sig in ("TABLE", "EXISTS") and (qualifier or tok.text == "."):
            continue  # the "main." before the table's own name
        if named and (n := qualifier_length(sig, i, fold(own))):
            edits += [(t, "") for t in sig[i : i + n]]
        elif tok.is_name or tok.kind is STRING:  # (SQLite reads 'x' as a name in both places)
            if not named and prev_sig in ("TABLE", "EXISTS") and tok.folded == fold(own):
                edits.append((tok, quote(temp[fold(own)])))
                named = True
            elif references and prev_sig == "REFERENCES" and tok.folded in temp:
                edits.append((tok, quote(temp[tok.folded])))
        prev_sig = tok.text.upper() if tok.kind is WORD else tok.text
    return splice(sql, edits)


def _parent_key_copy(ix: Index, table: str) -> tuple[str, str]:
    """(name, CREATE statement) of a copy of UNIQUE index ``ix`` on ``table``, under a
    temporary name: the old index keeps the user's name until the old table goes."""
    sig = [t for t in tokenize(ix.sql) if t.kind is not COMMENT]
    on = next(i for i, t in enumerate(sig) if t.keyword("ON"))  # then the table, unqualified
    name = PREFIX + "new_" + ix.name
    columns = ix.sql[sig[on + 2].start :]  # (SQLite's text starts with CREATE)
    return name, f"CREATE UNIQUE INDEX {in_main(name)} ON {quote(table)} {columns}"


def rebuild_closure(
    items: list[tuple[TableDiff, str]],
    legacy: bool,
    max_columns: int,
    reach_rowid: Callable[[], bool] | None = None,
    parent_keys: dict[str, list[Index]] | None = None,
) -> tuple[list[Step], dict[str, list[str]]]:
    """Rebuild tables together with foreign keys enforced. ``items`` are parents first;
    ``parent_keys`` are the UNIQUE indexes (by folded table) that foreign keys of the group
    name: each new copy gets them before any rows are copied, for SQLite to look the keys up
    in (without one it refuses to write either table: "foreign key mismatch")."""
    temp = {fold(dt.desired.name): PREFIX + "new_" + dt.desired.name for dt, _ in items}
    key_copies: list[str] = []
    steps: list[Step] = [
        Step("setting", "pragma", "", "PRAGMA defer_foreign_keys = ON",
             "check foreign keys at commit, after the old tables are gone"),
    ]  # fmt: skip
    lost: dict[str, list[str]] = {}
    for dt, sql in items:
        name = dt.desired.name
        steps.append(Step("rebuild", "table", name, _retarget(sql, name, temp),
                          "new copy under a temporary name"))  # fmt: skip
        for ix in (parent_keys or {}).get(fold(name), []):
            copy, index_sql = _parent_key_copy(ix, temp[fold(name)])
            why = f"index {ix.name} on the new copy: a foreign key names it"
            steps.append(Step("rebuild", "table", name, index_sql, why))
            key_copies.append(copy)
    for dt, _ in items:
        name = dt.desired.name
        steps += _copy(temp[fold(name)], name, dt, max_columns, reach_rowid)
        steps += _sequence_steps(temp[fold(name)], name, dt)
        lost[fold(name)] = column_mapping(dt)[2]
    for name in old_tables_order(items):
        steps.append(Step("rebuild", "table", name, f"DROP TABLE {in_main(name)}",
                          "drop the old table (nothing references it any more)"))  # fmt: skip
    if not legacy:
        steps.append(Step("setting", "pragma", "", "PRAGMA legacy_alter_table = ON",
                          "rename without re-checking views and triggers"))  # fmt: skip
    for dt, _ in items:
        name = dt.desired.name
        steps.append(Step("rebuild", "table", name,
                          f"ALTER TABLE {in_main(temp[fold(name)])} RENAME TO {quote(name)}",
                          "move the new table into place"))  # fmt: skip
    if not legacy:
        steps.append(Step("setting", "pragma", "", "PRAGMA legacy_alter_table = OFF",
                          "restore the connection's setting"))  # fmt: skip
    steps += [
        Step("rebuild", "index", copy, f"DROP INDEX {in_main(copy)}",
             "the temporary copy goes; the index is made under its own name")
        for copy in key_copies
    ]  # fmt: skip
    return steps, lost


def theirs_again(
    theirs: tuple[tuple[str, str, str, str], ...],
    on: dict[str, tuple[str, str]],
    columns: dict[str, dict[str, str]],
) -> list[tuple[str, str, str, str]]:
    """(kind, name, SQL, reason) that make again each index or trigger that is not ours
    (``theirs``: sqlite_schema rows) on a table or view the plan makes again (``on``: folded
    current name -> its kind and new name): with its own text, on the new name if it is
    renamed too, an index on its columns' new names (``columns``: folded current table ->
    folded old column -> new name), as RENAME would have left it (a trigger naming a renamed
    column is refused: verify.refuse_broken_readers). In the order SQLite lists them: making
    an index and a trigger is independent of their order."""
    out = []
    for kind, name, table, sql in theirs:
        what, new_name = on.get(fold(table), ("", ""))
        if not what or kind not in ("index", "trigger"):
            continue
        if kind == "index" and fold(table) in columns:
            sql = rename_names(sql, columns[fold(table)], "columns")
        if fold(table) != fold(new_name):  # renamed: what it is on, and what a trigger reads
            sql = rename_tables_in(sql, {fold(table): new_name})
        sig = [t for t in tokenize(sql) if t.kind is not COMMENT]
        own = sig[next(i for i, t in enumerate(sig) if t.keyword("INDEX", "TRIGGER")) + 1]
        # (SQLite stores neither schema nor IF NOT EXISTS)
        sql = splice(sql, [(own, "main." + own.text)])
        why = f"not ours (ignored), on {what} {new_name}, which is made again"
        out.append((kind, name, sql, why))
    return out
