"""Turn two schemas into an ordered plan of SQL steps.

Order: drop triggers and views that are going or that depend on tables about to change; drop
indexes that are going or changing; rename tables; drop tables; create tables (parents first);
alter tables; rebuild tables; recreate virtual tables; create indexes, views (dependencies
first) and triggers.
"""

from __future__ import annotations

from functools import partial

from .ddl import parse_table, quotable_names
from .definitions import TABLE, VIRTUAL, Definition
from .diff import (
    Capabilities,
    TableDiff,
    compare_table,
    loss_reasons,
    rename_names,
    rename_references,
    renamed_index,
)
from .drop_order import drop_order, fk_link, fk_order, rebuilt_together
from .errors import SyncError
from .models import Schema, VirtualTable, dependency_order
from .names import (
    PREFIX,
    Recased,
    hinted_column_renames,
    hinted_renames,
    in_another_case,
    in_main,
    rename_order,
)
from .plan import Change, Step, SyncPlan, hint_line
from .rebuild import (
    closure_parent_keys,
    late_drops,
    outside_parent_keys,
    rebuild_closure,
    rebuild_steps,
    rename_columns,
    rename_tables,
    renames_first,
    their_indexes,
)
from .set_aside import around, kept_rows, made_again
from .tokenizer import fold, iter_names, quote, splice
from .verify import foreign_key_checks, refuse_breaking_theirs, refuse_hint_cycles
from .virtual_tables import (
    changed_virtual_tables,
    create_virtual_table,
    dropped_columns,
    recreate_virtual_table,
    table_renames,
)

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (planning path)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from .view_columns import Columns


class PlanInput:
    """Everything the planner needs besides the two schemas."""

    def __init__(
        self,
        definitions: list[Definition],
        caps: Capabilities,
        fk_enforced: bool,  # foreign keys stay ON while applying (no PRAGMA possible)
        legacy_alter_table: bool,  # the connection's setting, restored at the end
        has_rows: Callable[[str], bool],
        columns_of: Callable[[str, str], list[str]],  # ("current"/"desired", name) -> columns
        strategy: str,  # "prefix" or "scratch-db": the plan says which
        prefixed: frozenset[str] | None = None,  # names the prefix copies wrote prefixed
        theirs: tuple[tuple[str, str, str, str], ...] = (),
        kept_tables: frozenset[str] = frozenset(),
        view_columns: Columns | None = None,  # our views' columns (view_columns.ViewColumns)
    ) -> None:
        self.definitions = definitions
        self.caps = caps
        self.fk_enforced = fk_enforced
        self.legacy_alter_table = legacy_alter_table
        self.has_rows = has_rows
        self.columns_of = columns_of
        self.strategy = strategy
        #: The folded names the prefix strategy's copies wrote with the prefix wherever they
        #: stand (columns too): the definitions' own, and the live tables the sync drops.
        self.prefixed = frozenset(d.key for d in definitions) if prefixed is None else prefixed
        #: The live indexes and triggers that are not ours (ignored by name) on tables that
        #: are, as (type, name, tbl_name, sql) rows: a rebuild must make them again. Also the
        #: ignored tables that may reference ours (their SQL says REFERENCES), and the
        #: ignored views and triggers, which may read ours.
        self.theirs = theirs
        #: The folded names of the live tables the sync keeps undeclared (ignored ones).
        self.kept_tables = kept_tables
        self.view_columns = view_columns


def build_plan(current: Schema, desired: Schema, inp: PlanInput) -> SyncPlan:
    """Plan the change from ``current`` to ``desired``."""
    p = _Planner(current, desired, inp)
    return p.run()


class _Planner:
    def __init__(self, current: Schema, desired: Schema, inp: PlanInput) -> None:
        self.cur = current
        self.des = desired
        self.inp = inp
        self.defs = {
            ("table" if d.kind in (TABLE, VIRTUAL) else d.kind, d.key): d for d in inp.definitions
        }
        self.steps: list[Step] = []
        self.changes: list[Change] = []
        self._lost_columns: dict[str, list[str]] = {}  # folded table -> lost column names
        self._early: set[str] = set()  # indexes made before a rebuild's copy
        # May a rebuild rename a column named rowid to reach the real rowid? (Tried only when
        # a table hides it behind all three names.)
        self.reach_rowid = lambda: inp.caps.rename_rowid_column

    def step(self, action: str, kind: str, name: str, sql: str, reason: str) -> None:
        self.steps.append(Step(action, kind, name, sql, reason))

    def sql_of(self, kind: str, key: str) -> str:
        """The user's CREATE statement for ``key``, naming ``main`` as its schema."""
        d = self.defs.get((kind, key))
        if d is None:
            return ""
        if d.schema_token is not None:
            return d.sql
        name = d.tokens[d.name_token]
        return splice(d.sql, [(name, "main." + name.text)], d.tokens[0].start)

    # ------------------------------------------------------------------ tables
    def run(self) -> SyncPlan:
        cur, des = self.cur, self.des
        hints = hinted_renames(self.defs, des.tables)
        refuse_hint_cycles(hints, cur, des, self.defs)
        # new key -> old key (the kinds share one name space: a chain may pass from one to another)
        renames, vt_renames = table_renames(cur, des, self.defs, self.inp.columns_of)
        renamed_old = set(renames.values())
        moved = {old: des.tables[new].name for new, old in renames.items()}
        moved_columns = hinted_column_renames(self.defs, cur, des, renames, self.inp.caps)
        creates = [
            k for k in des.tables if k not in renames and (k not in cur.tables or k in renamed_old)
        ]
        drops = [k for k in cur.tables if k not in des.tables and k not in renamed_old]
        diffs: dict[str, TableDiff] = {}
        for key, table in des.tables.items():
            old_key = renames.get(key, key)
            if old_key not in cur.tables or (key not in renames and key in renamed_old):
                continue
            d = self.defs.get(("table", key))
            hints = d.column_renames if d is not None else {}
            current = cur.tables[old_key]
            # Its parents may be renamed (SQLite rewrites its references), and it too.
            follows = {fk.table for fk in current.foreign_keys} & (moved.keys() | moved_columns)
            if current.sql == table.sql and not follows:
                diffs[key] = TableDiff(current, table)  # the very same text: no change
                continue
            real_name = current.name
            if old_key != key:  # what ALTER TABLE … RENAME TO leaves behind
                current = parse_table(rename_names(current.sql, {old_key: table.name}, "tables"))
            if follows:
                current = parse_table(rename_references(current.sql, moved, moved_columns))
            diffs[key] = compare_table(
                current, table, hints, self.inp.caps, partial(self.inp.has_rows, real_name)
            )
        vt_moved = set(vt_renames.values())  # (a new one of the name may take its place)
        vt_creates = [
            k for k in des.virtual_tables
            if k not in vt_renames and (k not in cur.virtual_tables or k in vt_moved)
        ]  # fmt: skip
        vt_drops = [
            k for k in cur.virtual_tables
            if k not in des.virtual_tables and k not in vt_renames.values()
        ]  # fmt: skip
        vt_changed = changed_virtual_tables(cur, des, vt_renames)  # key -> the live one

        rebuild = {k for k, dt in diffs.items() if dt.rebuild}
        # Foreign keys that stay on: the rebuilt tables and every table referencing them.
        closure = (
            fk_order(self.des, sorted(rebuilt_together(des, rebuild, set(diffs))))
            if self.inp.fk_enforced and rebuild
            else []
        )
        rebuild = set(closure) or rebuild
        # Declared under its name in another case (a rebuild or a remake writes it itself).
        vt_left = {*vt_renames, *vt_moved, *vt_changed}
        recased = in_another_case(
            ("table", cur.tables, des.tables, {*renames, *renamed_old, *rebuild}),
            ("virtual table", cur.virtual_tables, des.virtual_tables, vt_left),
        )
        # Tables whose dependents (views, triggers, indexes) must be dropped and recreated.
        # (ADD COLUMN alone leaves them working.) Old and new names of renamed tables count.
        altered = {k for k, dt in diffs.items() if dt.changed and not dt.only_adds_columns}
        touched = (
            altered | rebuild | set(renames) | renamed_old | {fold(n) for _, _, n in recased}
            | set(drops) | set(vt_drops) | set(vt_changed) | set(vt_renames)
            | set(vt_renames.values())
        )  # fmt: skip

        self.diffs = diffs
        mark = len(self.steps)  # (where readers of theirs are set aside, if they must be)
        self._drop_dependents(touched, renames, rebuild)  # (which views are made again)
        vt_lost = dropped_columns(vt_changed, vt_renames, self._columns_of)
        refuse_breaking_theirs(self.inp, cur, des, diffs, renames, rebuild, drops, vt_drops,
                               vt_lost, self._dropped_views)  # fmt: skip
        self._table_renames(renames, vt_renames, recased)
        kept = {renames.get(k, k) for k in diffs}
        late = late_drops(cur, drops, kept) if self.inp.fk_enforced else []
        self._table_drops([k for k in drops if k not in late], vt_drops)
        self._table_creates(creates, vt_creates)
        self._alters(diffs, rebuild, renames)
        if closure:
            self._closure_rebuild(sorted(rebuild), diffs, renames)
        else:
            # Every rebuilt table's RENAME COLUMNs before any copy: each rewrites the REFERENCES
            # of the tables rebuilt before it (a column moved aside, a new one of its name).
            ready = {}
            for key in sorted(rebuild):
                renamed, ready[key] = renames_first(diffs[key], self.inp.caps)
                self.steps += renamed
            for key, dt in ready.items():
                self._rebuild(dt, self.cur.tables[renames[key]].name if key in renames else None)
        if late:
            self._table_drops(late, [])
        for key, live in vt_changed.items():
            self._recreate_vtab(live, des.virtual_tables[key], key in vt_renames)
        self._create_dependents()
        self._keep_theirs(rebuild, {**renames, **vt_renames}, mark)
        fk_checks = foreign_key_checks(cur, des, diffs, renames, rebuild, drops)
        return SyncPlan(
            suggestions=self._suggestions(creates, drops),
            steps=tuple(self.steps),
            changes=tuple(self.changes),
            strategy=self.inp.strategy,
            sqlite_version=".".join(map(str, self.inp.caps.version)),
            foreign_keys="enforced" if self.inp.fk_enforced else "off",
            fk_checks=fk_checks,
        )

    def _table_renames(
        self, renames: dict[str, str], vt_renames: dict[str, str], recased: list[Recased]
    ) -> None:
        pairs = [(self.cur.tables[o].name, self.des.tables[n].name) for n, o in renames.items()]
        pairs += [(self.cur.virtual_tables[o].name, self.des.virtual_tables[n].name)
                  for n, o in vt_renames.items()]  # fmt: skip
        if not pairs and not recased:
            return
        if self.inp.legacy_alter_table:
            self._setting("PRAGMA legacy_alter_table = OFF", "let RENAME update references")
        for kind, old, new in recased:  # SQLite refuses RENAME TO the same name in another case
            for a, b in ((old, PREFIX + "case_" + new), (PREFIX + "case_" + new, new)):
                sql = f"ALTER TABLE {in_main(a)} RENAME TO {quote(b)}"
                self.step("rename", kind, new, sql, f"declared as {new}")
            self.changes.append(Change(kind, new, "rename", False, (f"declared as {new}",)))
        for old_name, new_name in rename_order(pairs):  # (one name space: a chain may mix)
            if fold(new_name) in renames:  # (a table's change is said by its diff)
                self.steps += rename_tables([(old_name, new_name)])
                continue
            why = f"@renamed hint: {old_name} -> {new_name}"
            sql = f"ALTER TABLE {in_main(old_name)} RENAME TO {quote(new_name)}"
            self.step("rename", "virtual table", new_name, sql, why)
            self.changes.append(Change("virtual table", new_name, "rename", False, (why,)))
        if self.inp.legacy_alter_table:
            self._setting("PRAGMA legacy_alter_table = ON", "restore the connection's setting")

    def _setting(self, sql: str, reason: str) -> None:
        self.step("setting", "pragma", "", sql, reason)

    def _table_drops(self, drops: list[str], vt_drops: list[str]) -> None:
        if self.inp.fk_enforced and any(
            fk.table in drops for t in self.cur.tables.values() for fk in t.foreign_keys
        ):
            # Checked at commit: a RESTRICT or NO ACTION between dropped tables (a cycle, a
            # table referencing itself) would refuse the first DROP TABLE.
            self._setting("PRAGMA defer_foreign_keys = ON", "drop tables that reference each other")
        if self.inp.fk_enforced:
            # DROP TABLE deletes the rows first, and with foreign keys on that would cascade
            # into tables that still reference the dropped one.
            for key in drops:
                for child in self.des.tables.values():
                    if child.key not in drops and any(fk.table == key for fk in child.foreign_keys):
                        raise SyncError(
                            f"cannot drop table {self.cur.tables[key].name!r}: table "
                            f"{child.name!r} still references it, and foreign keys cannot be "
                            "switched off here (dropping it would cascade into that table); "
                            "remove the reference first"
                        )
        tables = self.cur.tables
        # Children before parents (in the order their DROPs compile, where foreign keys stay on).
        order = list(
            reversed(dependency_order(drops, lambda k: {f.table for f in tables[k].foreign_keys}))
        )
        if self.inp.fk_enforced:
            order = drop_order(order, tables, lambda k: map(fk_link, tables[k].foreign_keys))
        gone = "not in the definitions"
        for kind, name in [
            *(("table", self.cur.tables[k].name) for k in order),
            *(("virtual table", self.cur.virtual_tables[k].name) for k in vt_drops),
        ]:
            self.step("drop", kind, name, f"DROP TABLE {in_main(name)}", gone)
            self.changes.append(Change(kind, name, "drop", True, (gone,), (f"{kind} {name}",)))

    def _table_creates(self, creates: list[str], vt_creates: list[str]) -> None:
        for key in fk_order(self.des, creates):
            name = self.des.tables[key].name
            self.step("create", "table", name, self.sql_of("table", key), "new table")
            self.changes.append(Change("table", name, "create", False, ("new table",)))
        tables = self.des.tables.keys() | self.inp.kept_tables  # an FTS content: either one
        for key in vt_creates:
            vt = self.des.virtual_tables[key]
            name = vt.name
            self.steps += create_virtual_table(vt, self.sql_of("table", key), tables)
            self.changes.append(
                Change("virtual table", name, "create", False, ("new virtual table",))
            )

    def _alters(
        self, diffs: dict[str, TableDiff], rebuild: set[str], renames: dict[str, str]
    ) -> None:
        for key, dt in diffs.items():
            name = dt.desired.name
            old_name = self.cur.tables[renames[key]].name if key in renames else name
            renamed = key in renames
            if key in rebuild or not dt.changed:
                if renamed and key not in rebuild:
                    why = f"@renamed hint: {old_name} -> {name}"
                    self.changes.append(Change("table", name, "rename", False, (why,)))
                continue
            t = in_main(name)
            self.steps += rename_columns(name, dt.column_renames)
            # Drop first (keeps under column limits), unless no column would be left.
            drops_first = len(dt.dropped) < len(dt.current.columns)
            if drops_first:
                self._drop_columns(name, dt.dropped)
            for check in dt.drop_checks:
                self.step("drop check", "table", name,
                          f"ALTER TABLE {t} DROP CONSTRAINT {quote(check.name)}",
                          "CHECK constraint not in the definition")  # fmt: skip
            for n in dt.drop_not_null:
                self.step("drop not null", "table", name,
                          f"ALTER TABLE {t} ALTER COLUMN {quote(n)} DROP NOT NULL",
                          f"column {n} is nullable in the definition")  # fmt: skip
            for col in dt.added:
                self.step("add column", "table", name, f"ALTER TABLE {t} ADD COLUMN {col.sql}",
                          f"new column {col.name}")  # fmt: skip
            if not drops_first:
                self._drop_columns(name, dt.dropped)
            for n in dt.set_not_null:
                self.step("set not null", "table", name,
                          f"ALTER TABLE {t} ALTER COLUMN {quote(n)} SET NOT NULL",
                          f"column {n} is NOT NULL in the definition")  # fmt: skip
            for check in dt.add_checks:
                self.step("add check", "table", name, f"ALTER TABLE {t} ADD {check.sql}",
                          "new CHECK constraint")  # fmt: skip
            reasons = dt.reasons
            if renamed:
                reasons = (f"renamed from {old_name}", *reasons)
            lost = [c for c in dt.dropped if dt.current.column(c).generated is None]  # type: ignore[union-attr]
            self.changes.append(Change("table", name, "alter", bool(lost), reasons,
                                       self._lose(name, lost)))  # fmt: skip

    def _drop_columns(self, table: str, columns: tuple[str, ...]) -> None:
        for column in columns:
            self.step("drop column", "table", table,
                      f"ALTER TABLE {in_main(table)} DROP COLUMN {quote(column)}",
                      "column not in the definition")  # fmt: skip

    def _rebuild(self, dt: TableDiff, renamed_from: str | None) -> None:
        name = dt.desired.name
        sql = self.sql_of("table", fold(name))
        steps, lost = rebuild_steps(dt, sql, self.inp.legacy_alter_table, self.inp.caps.max_columns,
                                    self.reach_rowid,
                                    their_indexes(self.inp.theirs, name, renamed_from))  # fmt: skip
        self.steps.extend(steps)
        reasons = tuple(dt.reasons)
        if renamed_from:
            reasons = (f"renamed from {renamed_from}", *reasons)
        if lost:
            reasons = (*reasons, *loss_reasons(dt, lost))
        self.changes.append(Change("table", name, "rebuild", bool(lost), reasons,
                                   self._lose(name, lost)))  # fmt: skip

    def _closure_rebuild(
        self, keys: list[str], diffs: dict[str, TableDiff], renames: dict[str, str]
    ) -> None:
        ordered = fk_order(self.des, keys)
        items = []
        for k in ordered:
            renamed, dt = renames_first(diffs[k], self.inp.caps)
            self.steps += renamed
            items.append((dt, self.sql_of("table", k)))
        there = lambda k: k in self.cur.indexes and k not in self._dropped_indexes  # noqa: E731
        for ix in outside_parent_keys(self.des, ordered, there):
            self._early.add(fold(ix.name))
            why = "a foreign key of a rebuilt table names it: made before the rows are copied"
            self.step("create", "index", ix.name, self.sql_of("index", fold(ix.name)), why)
        parent_keys = closure_parent_keys(self.des, ordered)
        steps, lost = rebuild_closure(items, self.inp.legacy_alter_table,
                                      self.inp.caps.max_columns, self.reach_rowid,
                                      parent_keys)  # fmt: skip
        self.steps.extend(steps)
        for k in ordered:
            dt = diffs[k]
            reasons = dt.reasons if dt.rebuild else (
                "references a rebuilt table (foreign keys stay enforced here, so referencing "
                "tables are rebuilt together)",
            )  # fmt: skip
            if k in renames:  # as _rebuild says it: the rename is part of this change
                reasons = (f"renamed from {self.cur.tables[renames[k]].name}", *reasons)
            cols = lost[k]  # rebuild_closure says it for every table, [] for none
            reasons = (*reasons, *loss_reasons(dt, cols))
            self.changes.append(Change("table", dt.desired.name, "rebuild", bool(cols), reasons,
                                       self._lose(dt.desired.name, cols)))  # fmt: skip

    def _recreate_vtab(self, cur: VirtualTable, des: VirtualTable, renamed: bool) -> None:
        def columns_of(side: str, name: str) -> list[str]:  # (renamed: the hinted one's)
            return self._columns_of("renamed" if renamed and side == "current" else side, name)

        sql = self.sql_of("table", des.key)
        steps, reason, lost = recreate_virtual_table(cur, des, sql, columns_of)
        self.steps.extend(steps)
        self.changes.append(
            Change("virtual table", des.name, "recreate", bool(lost), (reason,), lost)
        )

    def _columns_of(self, side: str, name: str) -> list[str]:
        """A table's columns as the user named them: the prefix strategy's scratch copy also
        prefixes a column named like a name it prefixes (consistently), so that comes off;
        but not off a column whose prefixed name the user's statement itself writes."""
        columns = self.inp.columns_of(side, name)
        if side != "desired" or self.inp.strategy != "prefix":
            return columns
        declared = self.inp.prefixed
        written = set(iter_names(self.defs[("table", fold(name))].tokens))
        n = len(PREFIX)
        return [
            c[n:] if fold(c)[:n] == PREFIX and fold(c)[n:] in declared and fold(c) not in written
            else c
            for c in columns
        ]  # fmt: skip

    def _lose(self, table: str, columns: list[str] | tuple[str, ...]) -> tuple[str, ...]:
        """The lost columns of ``table``, remembered for rename suggestions."""
        if columns:
            self._lost_columns[fold(table)] = list(columns)
        return tuple(f"column {table}.{c}" for c in columns)

    def _suggestions(self, creates: list[str], drops: list[str]) -> tuple[str, ...]:
        """@renamed hints worth suggesting: a table dropped while another is created, a column
        lost while its table gains one (not the target of a hinted rename). A hinted rename or
        a type change is never a loss, so never gets a suggestion."""
        out = []
        new_tables = [self.des.tables[k].name for k in creates]
        for key in drops:
            old = self.cur.tables[key].name
            if new_tables:
                out.append(hint_line("table", old, new_tables, "CREATE TABLE"))
        for key, lost in self._lost_columns.items():
            dt = self.diffs[key]  # a table loses columns only in a change of its own
            # dt.current has its hinted renames done already: their targets are not new.
            new_cols = [
                c.name for c in dt.desired.columns
                if dt.current.column(c.key) is None and c.generated is None
            ]  # fmt: skip
            for column in lost:
                if new_cols and dt.desired.column(fold(column)) is None:  # (not made generated)
                    out.append(hint_line(f"column {dt.desired.name}.", column, new_cols, "column"))
        return tuple(out)

    # ------------------------------------------------------- indexes, views, triggers
    def _index_changed(self, key: str, renames: dict[str, str], diffs_cols: dict[str, str]) -> bool:
        tables = {old: self.des.tables[new].name for new, old in renames.items()}
        desired = self.des.indexes[key]
        names = quotable_names(self.des.tables.get(desired.table))
        renamed = renamed_index(self.cur.indexes[key], tables, diffs_cols, names)
        return renamed.definition != desired.definition

    def _drop_dependents(
        self, touched: set[str], renames: dict[str, str], rebuild: set[str]
    ) -> None:
        cur, des = self.cur, self.des
        self._dropped_views: set[str] = set()
        self._dropped_triggers: set[str] = set()
        self._dropped_indexes: set[str] = set()
        # Indexes: removed or changed; on rebuilt tables they go and come back.
        index_reason: dict[str, str] = {}
        dropped_tables = {k for k in cur.tables if k not in des.tables} - set(renames.values())
        self._col_renames = col_renames = {  # current table -> folded old column -> new name
            renames.get(k, k): {fold(o): n for o, n in dt.column_renames}
            for k, dt in self.diffs.items()
            if dt.column_renames
        }
        moved: dict[str, str] = {}  # indexes that go with their table, their name declared anew
        for key, ix in cur.indexes.items():
            if ix.table in dropped_tables:  # (SQLite cannot index a virtual table)
                if key in des.indexes:  # goes with its table; its name is wanted elsewhere
                    moved[key] = f"table {cur.tables[ix.table].name} is dropped"
                continue  # goes with its table
            table_new = next((n for n, o in renames.items() if o == ix.table), ix.table)
            if key not in des.indexes:
                index_reason[key] = "not in the definitions"
            elif table_new in rebuild:
                index_reason[key] = f"table {des.indexes[key].table} is rebuilt"
            elif self._index_changed(key, renames, col_renames.get(ix.table, {})):
                index_reason[key] = "definition changed"
        touched = touched | set(index_reason)  # (a reader of one, INDEXED BY, goes too)
        view_reason: dict[str, str] = {}
        # Views: changed, removed, or (transitively) reading a touched table or dropped view.
        for key, v in cur.views.items():
            if key not in des.views:
                view_reason[key] = "not in the definitions"
            elif v.definition != des.views[key].definition:
                view_reason[key] = "definition changed"
            elif v.name != des.views[key].name:  # (cheap to recreate, unlike a table)
                view_reason[key] = f"declared as {des.views[key].name}"
        grew = True
        while grew:
            grew = False
            for key, v in cur.views.items():
                if key in view_reason:
                    continue
                hit = v.names & (touched | set(view_reason))
                if hit:
                    view_reason[key] = f"depends on {sorted(hit)[0]}, which changes"
                    grew = True
        trig_reason: dict[str, str] = {}
        for key, t in cur.triggers.items():
            if key not in des.triggers:
                trig_reason[key] = "not in the definitions"
            elif t.definition != des.triggers[key].definition:
                trig_reason[key] = "definition changed"
            elif t.name != des.triggers[key].name:
                trig_reason[key] = f"declared as {des.triggers[key].name}"
            elif hit := (t.names | {t.table}) & (touched | set(view_reason)):
                trig_reason[key] = f"depends on {sorted(hit)[0]}, which changes"
        for key in trig_reason:
            name = cur.triggers[key].name
            self.step("drop", "trigger", name, f"DROP TRIGGER {in_main(name)}", trig_reason[key])
            self._dropped_triggers.add(key)
        view_order = dependency_order(list(view_reason), lambda k: cur.views[k].names)
        for key in reversed(view_order):
            name = cur.views[key].name
            self.step("drop", "view", name, f"DROP VIEW {in_main(name)}", view_reason[key])
            self._dropped_views.add(key)
        self._view_reason = view_reason
        self._trig_reason = trig_reason
        for key, why in index_reason.items():
            name = cur.indexes[key].name
            self.step("drop", "index", name, f"DROP INDEX {in_main(name)}", why)
            self._dropped_indexes.add(key)
        self._dropped_indexes.update(moved)
        self._index_reason = {**index_reason, **moved}

    def _create_dependents(self) -> None:
        cur, des = self.cur, self.des
        kinds: list[tuple[str, dict[str, Any], dict[str, Any], set[str], dict[str, str], list[str]]]
        kinds = [  # indexes, then views (dependencies first), then triggers (may be on views)
            ("index", des.indexes, cur.indexes, self._dropped_indexes, self._index_reason,
             list(des.indexes)),
            ("view", des.views, cur.views, self._dropped_views, self._view_reason,
             dependency_order(list(des.views), lambda k: des.views[k].names)),
            ("trigger", des.triggers, cur.triggers, self._dropped_triggers, self._trig_reason,
             list(des.triggers)),
        ]  # fmt: skip
        for kind, wanted, present, dropped, reasons, order in kinds:
            for key in order:
                if key in present and key not in dropped:
                    continue
                why = reasons.get(key, f"new {kind}")
                name = wanted[key].name
                if kind != "index" or key not in self._early:
                    self.step("create", kind, name, self.sql_of(kind, key), why)
                self._note(kind, name, key in present, why)
            for key in dropped - set(wanted):
                self.changes.append(Change(kind, present[key].name, "drop", False, (reasons[key],)))

    def _keep_theirs(self, rebuilt: set[str], renames: dict[str, str], mark: int) -> None:
        """What is not ours around what the plan makes again (:func:`set_aside.around`)."""
        on = made_again(self.cur, self.des, rebuilt, renames, self._dropped_views,
                        self._dropped_indexes)  # fmt: skip
        kept = kept_rows(self.cur, self._dropped_views, self._dropped_triggers)
        drops, made = around(self.inp.theirs, on, self._col_renames, self.steps,
                             self.inp.legacy_alter_table, renames, kept)  # fmt: skip
        self.steps[mark:mark] = drops
        self.steps += [step for step, _ in made]
        self.changes += [change for _, change in made]

    def _note(self, kind: str, name: str, existed: bool, why: str) -> None:
        self.changes.append(Change(kind, name, "recreate" if existed else "create", False, (why,)))
