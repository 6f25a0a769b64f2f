"""The scratch round of the engine (:mod:`inline_sync.rounds`): build the scratch copies of the
definitions, read back everything planning needs, drop them again, all in one round.

The copies are ``__sync_``-prefixed objects in ``main`` (the prefix strategy: D1 and Durable
Objects refuse ATTACH) or, where a local driver attached one, objects of the scratch database
(``scratch-db``). Every statement names its schema (``main.``), so a caller's TEMP objects
cannot shadow what is read. The round is all or nothing: when SQLite refuses a statement,
:meth:`ScratchRound.run` names the definition at fault in a
:class:`~inline_sync.DefinitionError`, and nothing is left behind.
"""

from __future__ import annotations

import re

from .cache import remember
from .definitions import INDEX, TABLE, TRIGGER, VIEW, VIRTUAL, Definition, definition_error
from .errors import SyncError
from .names import PREFIX, SCRATCH_DB, NameFilter, dependency_order
from .plan import SyncPlan
from .rounds import Round, RoundError, Started, _Again, drop, failed_at, raise_if_taken
from .tokenizer import fold, iter_names, quote, tokenize
from .view_columns import ViewColumns, columns_sql

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a first plan())
if TYPE_CHECKING:
    from collections.abc import Generator
    from typing import Any

    from .capabilities import Capabilities
    from .rounds import Reply, Request, Row, Statement, Tables

    _Rows = list[tuple[str, str, str, str]]
    _Sides = tuple[_Rows, _Rows, set[str], set[str]]

_CREATE_ORDER = {TABLE: 0, VIRTUAL: 0, INDEX: 1, VIEW: 2, TRIGGER: 3}
_OBJECTS = "SELECT type, name, tbl_name, sql FROM {schema}.sqlite_master WHERE sql IS NOT NULL"
_THEIRS = "SELECT name FROM main.sqlite_master WHERE lower(substr(name, 1, 7)) = '__sync_'"
_SHADOW = "SELECT schema, name FROM pragma_table_list WHERE type = 'shadow' AND schema = '{schema}'"
_VIEW = "SELECT name FROM main.sqlite_master WHERE type = 'view' AND lower(name) = ?"
_MISSING = r"no such table: (?:\w+\.)?(.+)$"  # compiled when first needed (re's cache)


class ScratchRound:
    """Build the scratch copies, read back what planning needs, drop them: one round.

    The planning stages are imported here, not at module level: recognizing an up-to-date
    database never loads them."""

    def __init__(
        self,
        defs: list[Definition],
        skip: NameFilter,
        tables: Tables,
        session: Started,
        fingerprint: str,
    ) -> None:
        from .scratch import Scratch

        self.defs = defs
        self.skip = skip
        self.tables = tables
        self.session = session
        self.fingerprint = fingerprint
        self.strategy = session.strategy
        self.in_db = self.strategy == "scratch-db"
        # What depends on the definitions alone is worked out once for them (a process plans
        # the same definitions again and again; parse_definitions returns the same list).
        known = _PREPARED.get(id(defs))
        if known is None or known.defs is not defs:
            known = remember(_PREPARED, id(defs), _Prepared(defs), 8)
        self.prepared = known
        self.names = known.names
        self.by_key = known.by_key
        self.creates = known.creates
        #: Read whether the live tables hold rows only when something differs (a local
        #: driver: one more round inside its transaction costs nothing; for D1 a round-trip).
        self.rows_later = session.one_transaction
        self.rows: dict[str, bool] | None = None
        #: Whether each table the planner asked about holds rows, as it was told: what the
        #: plan depends on besides the schema (D1's apply round checks it again).
        self.asked: dict[str, bool] = {}
        self.compared: _Sides | None = None  # what run() found (None: the same objects)
        self.scratch = Scratch(self.strategy, frozenset(self.names))
        #: The names the copies write prefixed. Under the prefix strategy a name the copies
        #: leave alone reads the live object in main; a live table the sync drops is prefixed
        #: too, so that a view or trigger reading it fails its check here as it would after
        #: the sync (in a scratch database it is not found in the first place).
        self.prefixed = frozenset(self.names)
        if not self.in_db:
            self.prefixed |= self._gone()
        #: Checks left out: they read a table only the live database has (an ignored one).
        self.exempt: set[str] = set()
        self.statements: list[Statement] = []
        self.owner: list[Definition | None] = []  # the definition each statement builds
        #: The columns of views the planner asked about (view_columns.ViewColumns).
        self.asked_views: dict[tuple[str, str], list[str] | None] = {}
        self.at: dict[str, int] = {}

    # -- the round ------------------------------------------------------------------------
    def run(self) -> Generator[Request, Any, Reply]:
        """Yield the round (again, without a check that only an ignored table failed) until
        it passes; raise DefinitionError naming the statement SQLite refused."""
        self._check_targets()
        while True:
            rnd = self.round()
            try:
                reply: Reply = yield rnd
            except RoundError as exc:
                raise_if_taken(exc)
                index = yield from failed_at(exc, self.statements)
                yield from self._diagnose(exc, index)
                continue
            if not self.in_db:
                views = self._gone_views(reply[self.at["objects"]]) - self.prefixed
                if views:  # read by the definitions: check them again with these prefixed
                    self.prefixed |= views
                    continue
            self.compared = self._compare(reply)
            if self.rows_later and self.has_rows_names and self.compared is not None:
                self.rows = yield from self._read_rows()
            return reply

    def _read_rows(self) -> Generator[Request, Any, dict[str, bool]]:
        """Whether each live table holds rows (folded name -> bool), in a round of its own."""
        try:
            reply = yield Round("has rows", tuple(self._has_rows()))
        except RoundError as exc:
            if "no such table" in exc.message:
                raise _Again from None  # a table vanished meanwhile: plan again
            raise SyncError(f"reading the live tables failed: {exc.message}") from None
        return self._rows_of(reply)

    def _rows_of(self, replies: list[list[Row]]) -> dict[str, bool]:
        return {
            fold(name): bool(value)
            for chunk, rows in zip(self.has_rows_names, replies, strict=True)
            for name, value in zip(chunk, rows[0], strict=True)
        }

    def _name(self, name: str) -> str:
        """A scratch object's qualified name."""
        if self.in_db:
            return f"{SCRATCH_DB}.{quote(name)}"
        return f"main.{quote(PREFIX + name)}"

    def _add(
        self, label: str, sql: str, owner: Definition | None = None, *, scratch: bool = False
    ) -> None:
        """Add a statement; ``scratch``: it touches only the scratch database."""
        if sql in self.exempt:
            return
        if scratch and self.in_db:
            self.in_scratch.add(len(self.statements))
        self.at[label] = len(self.statements)
        self.statements.append((sql, ()))
        self.owner.append(owner)

    def _drops(self) -> list[Statement]:
        """Drop statements for the copies the round built (never another ``__sync_``
        object: a name in use fails the round's CREATE first): triggers, views, then tables
        with children before parents (with foreign keys on, a child cannot outlive its
        parent). None for a scratch database: the driver detaches it."""
        if self.in_db:
            return []
        from .drop_order import definition_links, drop_order  # (the prefix strategy's only)

        tables = [d for d in self.defs if d.kind in (TABLE, VIRTUAL)]
        by_key = {d.key: d for d in tables}

        def parents(key: str) -> set[str]:
            return {link[0] for link in definition_links(by_key[key])}

        order = list(reversed(dependency_order([d.key for d in tables], parents)))
        everything = set(by_key) | {p for k in by_key for p in parents(k)}
        order = drop_order(
            order, everything, lambda k: definition_links(by_key[k]) if k in by_key else []
        )
        out = [drop("trigger", PREFIX + d.name) for d in self.defs if d.kind == TRIGGER]
        out += [drop("view", PREFIX + d.name) for d in reversed(self.creates) if d.kind == VIEW]
        return out + [drop("table", PREFIX + by_key[k].name) for k in order]

    def round(self) -> Round:
        """The statements, in order; their positions are remembered for reading the reply."""
        self.statements, self.owner, self.at = [], [], {}
        self.in_scratch: set[int] = set()
        self._add("legacy", "PRAGMA legacy_alter_table")
        if self.session.foreign_keys is None:
            self._add("foreign keys", "PRAGMA foreign_keys")
        if not self.session.one_transaction:  # what the apply round's guard compares with
            self._add("fingerprint", f"SELECT {self.fingerprint}")
        if not self.in_db:  # __sync_ objects before the build: never ours, never read as ours
            self._add("theirs", _THEIRS)
        # The scratch statements of a scratch database depend on the definitions alone
        # (the prefix strategy's Scratch also remembers what it rewrote: built each time).
        build = self.prepared.build if self.in_db and not self.exempt else None
        if build is None:
            build = self._build()
            if self.in_db and not self.exempt:
                self.prepared.build = build
        for sql, d in build:
            self._add("", sql, d, scratch=True)
        self._add("objects", _OBJECTS.format(schema="main"))
        if self.in_db:
            self._add("desired", _OBJECTS.format(schema=SCRATCH_DB), scratch=True)
        if any(v for _, v in self.tables.values()) or any(d.kind == VIRTUAL for d in self.defs):
            self._add("shadow", _SHADOW.format(schema="main"))
            if self.in_db:
                self._add("shadow desired", _SHADOW.format(schema=SCRATCH_DB), scratch=True)
        vtabs = tuple(k + "_" for k, (_, virtual) in self.tables.items() if virtual)
        plain = [
            n
            for k, (n, virtual) in self.tables.items()
            if not virtual and not self.skip(n) and not k.startswith(vtabs)
            and not k.startswith(PREFIX)
        ]  # fmt: skip
        self.has_rows_names: list[list[str]] = []
        for i in range(0, len(plain), 50):  # 100 columns at most in a result on D1
            self.has_rows_names.append(plain[i : i + 50])
        if not self.rows_later:
            for i, statement in enumerate(self._has_rows()):
                self._add(f"rows {i}", statement[0])
        self.vtab_columns: list[tuple[str, str]] = []
        for d in self.defs:
            if d.kind != VIRTUAL:
                continue
            # Its live namesake's columns, and those of the live one its @renamed hint names
            # (renamed and changed, it is made again with that one's rows).
            live = {"current": self.tables.get(d.key)}
            if d.renamed_from:
                live["renamed"] = self.tables.get(fold(d.renamed_from))
            where = {side: (t[0], "main") for side, t in live.items() if t is not None and t[1]}
            if where:
                where["desired"] = (d.name, SCRATCH_DB) if self.in_db else (PREFIX + d.name, "main")
            for side, (name, schema) in where.items():
                self.vtab_columns.append((side, d.name))
                self._add(f"columns {side} {d.key}", columns_sql(name, schema),
                          scratch=side == "desired")  # fmt: skip
        self.first_drop = len(self.statements)
        for sql, _ in self._drops():
            self._add("", sql)
        return Round("scratch", tuple(self.statements), frozenset(self.in_scratch))

    def _build(self) -> list[tuple[str, Definition]]:
        """The statements that build the scratch copies and check their views and triggers,
        each with the definition it is for (none that reads an exempt table)."""
        out: list[tuple[str, Definition]] = []
        built: dict[str, str] = {}
        # The first AUTOINCREMENT table makes sqlite_sequence, which no one can drop: where the
        # round commits (D1) the copy goes without the keyword, and EXPLAIN (which compiles
        # the statement, refusals included, and runs nothing) checks it as written.
        bare = not (self.in_db or self.session.one_transaction or "sqlite_sequence" in self.tables)
        for d in self.creates:
            if d.kind != TRIGGER:
                sql = self.scratch.statement(d, self.prefixed, self.prefixed - self.names)
                if bare and d.kind == TABLE and any(t.keyword("AUTOINCREMENT") for t in d.tokens):
                    out.append((f"EXPLAIN {sql}", d))
                    sql = self.scratch.without_autoincrement(d, sql)
                built[d.key] = sql
                out.append((sql, d))
        for d in self.creates:
            if d.kind == VIEW:  # CREATE VIEW accepts what reading the view refuses; its
                # columns, read so, tell what a reader of theirs may lose (view_columns)
                where = (d.name, SCRATCH_DB) if self.in_db else (PREFIX + d.name, "main")
                out.append((columns_sql(*where), d))
            elif d.kind == VIRTUAL:  # so does fts5's content= (a planning stage: loaded late)
                from .virtual_tables import reads_content

                if reads_content(d.sql):
                    out.append((f"SELECT * FROM {self._name(d.name)} WHERE rowid = 0", d))
        # Triggers one at a time, each fired right after it is made: CREATE TRIGGER accepts a
        # body that cannot run; compiling a statement that fires it does not, and the earlier
        # triggers of the table are known to be good by then.
        for d in self.creates:
            if d.kind == TRIGGER:
                out.append(
                    (self.scratch.statement(d, self.prefixed, self.prefixed - self.names), d)
                )
                fire = self._fire(d, built)
                if fire is not None:
                    out.append((fire, d))
        return [(sql, d) for sql, d in out if sql not in self.exempt]

    def _has_rows(self) -> list[Statement]:
        """One statement for each chunk of the live tables: whether each holds rows."""
        return [
            # Named columns: D1 returns rows as objects, where equal names would collapse.
            ("SELECT " + ", ".join(
                f"EXISTS (SELECT 1 FROM main.{quote(n)}) AS h{j}" for j, n in enumerate(chunk)
            ), ())
            for chunk in self.has_rows_names
        ]  # fmt: skip

    def _fire(self, d: Definition, built: dict[str, str]) -> str | None:
        """The statement that fires trigger ``d`` on its scratch table or view, changing no
        row; the columns come from the scratch statement itself (the round reads nothing)."""
        from .scratch import settable_columns, trigger_check, trigger_table

        table = trigger_table(d)
        owner = self.by_key.get(table or "")
        if table is None or owner is None:
            return None  # on an ignored table: the live database decides
        target = self._name(owner.name)
        if owner.kind == VIEW:
            # Its columns are not known here; the OF columns as the copy names them.
            of_as_built = self.scratch.of_columns_as_built(d)
            return trigger_check(d, target, [], view=True, of_as_built=of_as_built)
        columns = settable_columns(built[table]) if owner.kind == TABLE else []
        return trigger_check(d, target, columns)

    def _diagnose(self, exc: RoundError, index: int | None) -> Generator[Request, Any, None]:
        """Raise the DefinitionError that names the refused statement; raise _Again when the
        failure was not the definitions' (a table read for its rows vanished meanwhile);
        return when the failed statement was a check to leave out (run the round again)."""
        from .scratch import unprefix_message

        owner = self.owner[index] if index is not None else None
        message = unprefix_message(exc.message)
        if owner is not None and index is not None:
            sql = self.statements[index][0]
            check = not sql.startswith("CREATE")
            missing = re.match(_MISSING, message) if check else None
            name = missing.group(1) if missing else ""  # the table or view a check missed
            key = fold(name.strip('"`[]'))
            view = None  # the live view of that name, if the check read one
            if key and self.in_db and key not in self.tables and key not in self.names:
                # A scratch database holds no live view, and the round that lists them
                # failed: a round of its own, on this failure only.
                reply = yield Round("live views", ((_VIEW, (key,)),))
                view = reply[0][0][0] if reply[0] else None
            if key and (self._live_only(key) or (view is not None and self.skip(view))):
                # A view or trigger of the definitions reads a table or view that only the
                # live database has (an ignored one): that is for the live database to decide.
                self.exempt.add(sql)
                return
            if owner.kind == VIEW and check:
                text = f"the view {owner.name!r} cannot be read: {message}"
            elif owner.kind == TRIGGER and check:
                text = f"the trigger {owner.name!r} cannot run: {message}"
            else:
                text = f"SQLite refused the {owner.kind} {owner.name!r}: {message}"
            if key and (view is not None or key in self._dropped()):
                text += (
                    f" ({name} is in the database now, but the definitions do not "
                    "declare it: the sync would drop it)"
                )
            raise definition_error(owner, text)
        if index is None or "no such table" not in exc.message:
            raise SyncError(f"building the scratch schema failed: {message}")
        if index >= self.first_drop:  # a copy's DROP: no table vanished, see drop_order
            copy = [t for t in tokenize(self.statements[index][0]) if t.is_name][-1]
            raise SyncError(
                f"the scratch copy of table {copy.value[len(PREFIX) :]!r} cannot be dropped with "
                f"foreign keys on ({message}): the ON DELETE actions of the tables that "
                "reference it reach a table dropped before it, and tables that reference each "
                "other so cannot all be dropped where foreign keys stay on; nothing was changed"
            )
        raise _Again

    def _check_targets(self) -> None:
        """DefinitionError for an index on a view (SQLite indexes tables only), or an index or
        trigger on a table the definitions do not declare: on an ignored one it would touch
        what inline_sync leaves alone (and the prefix strategy's copy would be made on the
        live table), on any other it could not outlive the sync, which drops that table."""
        for d, key, name in self.prepared.targets():
            on = self.by_key.get(key)
            if d.kind == INDEX and on is not None and on.kind == VIEW:
                # (SQLite's own words would be "no such table", the view not made yet)
                text = f"the index {d.name!r} is on {name}, a view: SQLite indexes tables only"
                raise definition_error(d, text)
            if key in self.names:
                continue
            what = "an index" if d.kind == INDEX else "a trigger"
            if self.skip(name):
                text = (
                    f"the {d.kind} {d.name!r} is on {name}, which is on the ignore list: "
                    f"inline_sync leaves that table alone, so it cannot manage {what} on it"
                )
            else:
                text = f"the {d.kind} {d.name!r} is on {name}, which the definitions do not declare"
            raise definition_error(d, text)

    def _live_only(self, name: str) -> bool:
        """Whether ``name`` is a live table the sync leaves in place and the definitions do
        not declare: reading it is for the live database to decide."""
        key = fold(name.strip('"`[]'))
        return key in self.tables and key not in self.names and self._stays(key)

    def _stays(self, key: str) -> bool:
        """Whether the sync leaves the live table ``key`` in place though undeclared: an
        ignored one, or a shadow table of a virtual table that stays."""
        if self.skip(self.tables[key][0]):
            return True
        return any(
            key.startswith(k + "_") and (k in self.names or self.skip(name))
            for k, (name, virtual) in self.tables.items()
            if virtual
        )

    def _gone_views(self, rows: list[Row]) -> frozenset[str]:
        """The live views the sync drops that a view or trigger of the definitions may read
        (its tokens name them): under the prefix strategy the copies read them in main."""
        gone = {
            fold(name) for kind, name, _, _ in rows
            if kind == "view" and fold(name) not in self.names and not self.skip(name)
        }  # fmt: skip
        if not gone:
            return frozenset()
        return frozenset(
            name
            for d in self.defs
            if d.kind in (VIEW, TRIGGER)
            for name in iter_names(d.tokens)
            if name in gone
        )

    def _dropped(self) -> frozenset[str]:
        """The live tables (and, under the prefix strategy, views) the sync would drop."""
        return self._gone() | (self.prefixed - self.names)

    def _gone(self) -> frozenset[str]:
        """The live tables the sync drops or renames away: undeclared, not left in place."""
        return frozenset(k for k in self.tables if k not in self.names and not self._stays(k))

    # -- planning -------------------------------------------------------------------------
    def _compare(self, reply: Reply) -> _Sides | None:
        """Both sides as read back (current, desired and their shadow tables), or None when
        they hold the same objects with the same SQL text: the database is up to date."""
        from .introspect import same_text
        from .scratch import shadow_names

        at = self.at
        if self.in_db and "shadow" not in at:
            # No virtual table on either side, so no shadow table: the rows as SQLite gave
            # them, compared whole, settle the common case. The same objects when every
            # desired row is live, none of them is left out of the comparison, and the live
            # rows beyond them all are (ignored: the state table; or a caller's __sync_ one).
            live, scratch = reply[at["objects"]], reply[at["desired"]]
            wanted = {(t, n, s) for t, n, _, s in scratch}
            if (
                wanted <= {(t, n, s) for t, n, _, s in live}
                and all(self._left_out(r) for r in live if (r[0], r[1], r[3]) not in wanted)
                and not any(map(self._left_out, scratch))
            ):
                return None

        def rows_of(label: str) -> list[tuple[str, str, str, str]]:
            return [(str(t), str(n), str(tb), str(s)) for t, n, tb, s in reply[at[label]]]

        rows = rows_of("objects")
        listed: dict[str, set[str]] = {"main": set(), SCRATCH_DB: set()}
        for label in ("shadow", "shadow desired"):
            for schema, name in reply[at[label]] if label in at else ():
                listed.setdefault(str(schema), set()).add(str(name))
        current = [r for r in rows if not fold(r[1]).startswith(PREFIX)]
        current_shadow = shadow_names(current, self.names, listed["main"])
        if self.in_db:
            desired = self.scratch.restored(rows_of("desired"), self.defs)
            desired_shadow = shadow_names(desired, self.names, listed[SCRATCH_DB])
        else:
            theirs = {fold(str(r[0])) for r in reply[at["theirs"]]}
            scratch = [
                r for r in rows if fold(r[1]).startswith(PREFIX) and fold(r[1]) not in theirs
            ]
            desired, desired_shadow = self.scratch.unprefixed(
                scratch, shadow_names(scratch, {PREFIX + k for k in self.names}, listed["main"])
            )
        if same_text(current, desired, self.skip, current_shadow, desired_shadow):
            return None
        return current, desired, current_shadow, desired_shadow

    def _left_out(self, row: Row) -> bool:
        """Whether the comparison leaves this object out: ignored (by its name, or the
        table of an index or trigger) or a ``__sync_`` object in main (never ours)."""
        kind, name, table = row[0], row[1], row[2]
        skip = self.skip
        return (
            skip(name) or (kind in ("index", "trigger") and skip(table))
            or fold(name).startswith(PREFIX)
        )  # fmt: skip

    # -- planning -------------------------------------------------------------------------
    def plan(self, reply: Reply, caps: Capabilities) -> tuple[SyncPlan, str]:
        """The plan (from the reply :meth:`run` returned), and the schema fingerprint it was
        made against."""

        def one(label: str) -> Any:
            return reply[self.at[label]][0][0]

        fingerprint = str(one("fingerprint")) if "fingerprint" in self.at else ""
        version_text = ".".join(map(str, caps.version))
        sides = self.compared
        if sides is None:
            return SyncPlan(strategy=self.strategy, sqlite_version=version_text), fingerprint
        current, desired, current_shadow, desired_shadow = sides
        # Something differs: only now the planning stages load.
        from .introspect import build_schema
        from .planner import PlanInput, build_plan
        from .verify import their_rows

        if self.rows is not None:
            has_rows = self.rows
        else:
            has_rows = self._rows_of(
                [reply[self.at[f"rows {i}"]] for i in range(len(self.has_rows_names))]
            )
        columns = {
            (side, fold(name)): [str(r[0]) for r in reply[self.at[f"columns {side} {fold(name)}"]]]
            for side, name in self.vtab_columns
        }
        fk = self.session.foreign_keys
        the_plan = build_plan(
            build_schema(current, self.skip, current_shadow),
            build_schema(desired, self.skip, desired_shadow),
            PlanInput(
                self.defs,
                caps,
                fk_enforced=bool(one("foreign keys")) if fk is None else fk,
                legacy_alter_table=bool(one("legacy")),
                # A table that appeared after the tables were listed: assume rows (the safe
                # answer); the apply guard fails anyway if the schema moved.
                has_rows=lambda name: self.asked.setdefault(
                    fold(name), has_rows.get(fold(name), True)
                ),
                columns_of=lambda side, name: columns.get((side, fold(name)), []),
                view_columns=ViewColumns(
                    self.asked_views, self.owner, self.statements, reply, self.prefixed
                ),
                strategy=self.strategy,
                prefixed=self.prefixed,
                theirs=their_rows(reply[self.at["objects"]], self.skip),
                kept_tables=frozenset(
                    k for k in self.tables if k not in self.names and self._stays(k)
                ),
            ),
        )
        return the_plan, fingerprint


class _Prepared:
    """What a scratch round needs of the definitions alone: their folded names, the
    non-triggers by name, the order they are created in, and (for a scratch database) the
    statements that build and check them."""

    def __init__(self, defs: list[Definition]) -> None:
        self.defs = defs
        self.names = {d.key for d in defs}
        views = {d.key: d for d in defs if d.kind == VIEW}
        self.by_key = {d.key: d for d in defs if d.kind != TRIGGER}

        def view_deps(key: str) -> set[str]:  # the views it names (maybe more: only ordering)
            return set(iter_names(views[key].tokens)) & views.keys()

        view_order = {k: i for i, k in enumerate(dependency_order(list(views), view_deps))}
        self.creates = sorted(
            defs, key=lambda d: (_CREATE_ORDER[d.kind], view_order.get(d.key, 0), d.index)
        )
        self.build: list[tuple[str, Definition]] | None = None
        self._targets: list[tuple[Definition, str, str]] | None = None

    def targets(self) -> list[tuple[Definition, str, str]]:
        """Each index and trigger with the table (or view) it is on: folded, as written."""
        if self._targets is None:
            from .scratch import trigger_table
            from .statement_names import index_table

            found = []
            for d in self.defs:
                if d.kind == INDEX:
                    table = index_table(d)
                    if table is not None:
                        found.append((d, fold(table), table))
                elif d.kind == TRIGGER:
                    table = trigger_table(d)
                    if table is not None:
                        found.append((d, table, table))
            self._targets = found
        return self._targets


_PREPARED: dict[int, _Prepared] = {}  # by id() of the definitions (kept alive by the entry)
