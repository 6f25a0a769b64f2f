"""The result columns of our views, for the readers that are not ours.

A view or trigger that is not ours (ignored) may read a column of a view that is: when a plan
makes that view again without the column (left out, renamed by an alias, gone from the table
a ``SELECT *`` reads), theirs can no longer run. Which columns a view has only SQLite knows:
the desired side's are read in the scratch round (the statement that checks a view can be
read reads its columns), the live side's only when a reader of theirs names a view the plan
makes again, in a round of its own (:class:`NeedViewColumns`, answered by
:func:`read_columns`; planning is pure and simply runs again), with those of a declared view
whose check the scratch round left out (:class:`ViewColumns`).
"""

from __future__ import annotations

from .definitions import VIEW
from .names import PREFIX
from .rounds import Round, RoundError
from .tokenizer import fold, iter_names, literal, quote, significant, splice

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (planning path)
if TYPE_CHECKING:
    from collections.abc import Callable, Generator, Sequence
    from typing import Any

    from .definitions import Definition
    from .models import Schema
    from .rounds import Reply, Request, Statement
    from .tokenizer import Token

    #: (names of views) -> folded name -> (live columns, desired columns); None: unknown
    Columns = Callable[[tuple[str, ...]], dict[str, tuple[list[str] | None, ...]]]
    Label = tuple[str, str]  # ("live" or "desired", folded view name)
    Ask = tuple[Label, tuple[str, ...], int]

_COLUMNS = "SELECT name FROM pragma_table_info("


def columns_sql(name: str, schema: str) -> str:
    """The statement that reads the columns of table or view ``name`` in ``schema`` (and, for a
    view, fails as reading it would)."""
    return f"{_COLUMNS}{literal(name)}, {literal(schema)})"


class NeedViewColumns(Exception):
    """The planner needs columns read: each ask is (its label, the statements of a round that
    reads them, the position of the one that answers)."""

    def __init__(self, asks: tuple[Ask, ...]) -> None:
        super().__init__(asks)
        self.asks = asks


def read_columns(asks: tuple[Ask, ...]) -> Generator[Request, Any, dict[Label, list[str] | None]]:
    """The answers to ``asks`` by label, in a round of their own; None for one that fails (a
    live view that cannot be read is broken already: nothing of theirs reads it now)."""
    try:
        reply = yield Round("view columns", tuple((sql, ()) for ask in asks for sql in ask[1]))
    except RoundError:
        if len(asks) == 1:
            return {asks[0][0]: None}
        found: dict[Label, list[str] | None] = {}
        for ask in asks:  # (which one failed: each alone)
            found.update((yield from read_columns((ask,))))
        return found
    out: dict[Label, list[str] | None] = {}
    at = 0
    for label, statements, answer in asks:
        out[label] = [str(r[0]) for r in reply[at + answer]]
        at += len(statements)
    return out


class ViewColumns:
    """What the planner asks (``PlanInput.view_columns``): for views named as they stand,
    folded name -> (live columns, desired columns), None where unknown. Columns not read yet
    raise :class:`NeedViewColumns`; the answers go into ``asked``, by ("live" or "desired",
    folded name).

    A declared view's columns come from the scratch round, unless its check was left out (it
    reads a table only the live database has, which a scratch database cannot see): then its
    text is compiled in ``main`` in a round of its own, made and dropped there, if it has no
    ``*`` result column (its columns' names then depend on its text alone, but the case of a
    bare column's: compared without case). One that does not compile there stays unknown."""

    def __init__(
        self,
        asked: dict[Label, list[str] | None],
        owners: Sequence[Definition | None],
        statements: Sequence[Statement],
        reply: Reply,
        prefixed: frozenset[str],
    ) -> None:
        self.asked = asked
        # The scratch round (read only when a reader of theirs names a view of ours).
        self.round = (owners, statements, reply)
        self.prefixed = prefixed
        self.desired: dict[str, list[str]] | None = None

    def __call__(self, names: tuple[str, ...]) -> dict[str, tuple[list[str] | None, ...]]:
        if self.desired is None:
            self.desired = self._desired()
        views = {d.key: d for d in self.round[0] if d is not None and d.kind == VIEW}
        asks: list[Ask] = []
        for name in names:
            key = fold(name)
            if ("live", key) not in self.asked:
                asks.append((("live", key), (columns_sql(name, "main"),), 0))
            d = views.get(key)
            if (
                key not in self.desired and ("desired", key) not in self.asked
                and d is not None and not _star(significant(d.tokens))
            ):  # fmt: skip
                asks.append((("desired", key), _compiled(d), 1))
        if asks:
            raise NeedViewColumns(tuple(asks))
        return {
            fold(n): (self.asked[("live", fold(n))],
                      self.desired.get(fold(n)) or self.asked.get(("desired", fold(n))))
            for n in names
        }  # fmt: skip

    def _desired(self) -> dict[str, list[str]]:
        """The columns of each declared view, from the scratch round's checks. The prefix
        strategy's copy also prefixes a result column named like a name it prefixes (its
        alias, a column of ``SELECT *``): that comes off, unless the view's text writes it so."""
        n = len(PREFIX)
        out = {}
        for d, (sql, _), rows in zip(*self.round, strict=True):
            if d is None or d.kind != VIEW or not sql.startswith(_COLUMNS):
                continue
            columns = out[d.key] = [str(r[0]) for r in rows]
            for i, c in enumerate(columns):
                f = fold(c)
                if f[:n] == PREFIX and f[n:] in self.prefixed and f not in iter_names(d.tokens):
                    columns[i] = c[n:]
        return out


def lost_view_columns(
    theirs: tuple[tuple[str, str, str, str], ...],
    current: Schema,
    desired: Schema,
    remade: set[str],
    columns_of: Columns | None,
) -> dict[str, list[str]]:
    """The columns (as the live view names them) that each view of ours the plan makes again
    (``remade``: folded names) loses, for the views a view or trigger of theirs names (on it,
    or in its text). Asks ``columns_of`` nothing when none is named."""
    from .statement_names import tables_named_in

    remade = {k for k in remade if k in current.views and k in desired.views}
    named: set[str] = set()
    for kind, _, table, sql in theirs if remade and columns_of is not None else ():
        if kind in ("view", "trigger"):
            named |= tables_named_in(sql, remade) | ({fold(table)} & remade)
    if not named or columns_of is None:
        return {}
    out = {}
    asked = columns_of(tuple(current.views[k].name for k in sorted(named)))
    for key, (before, after) in asked.items():
        if before is None or after is None:
            continue  # (a view that cannot be read now, or whose check was left out)
        kept = {fold(c) for c in after}
        lost = [c for c in before if fold(c) not in kept]
        if lost:
            out[key] = lost
    return out


def passed_on(
    theirs: tuple[tuple[str, str, str, str], ...],
    lost: dict[str, dict[str, tuple[str, str]]],
    breaks: Callable[[str, bool, str], bool],
) -> dict[str, tuple[str, dict[str, tuple[str, str, str]]]]:
    """The lost columns (``lost``: our folded table or view -> folded column -> (name, what
    the plan does)) that a view of theirs passes on by ``*`` (``SELECT *``, ``t.*``): it names
    none of them and keeps working, but its own result columns lose them, to whatever reads
    it (through chains of such views too). Folded view of theirs -> (its name, folded column
    -> (name, what, our table or view)). ``breaks(kind, on_it, what)`` says which losses
    reach a view that is not on the table (a column renamed by RENAME COLUMN: SQLite's own
    check of the schema refuses that one)."""
    from .statement_names import tables_named_in
    from .tokenizer import tokenize

    stars = {
        fold(name): (name, sql) for kind, name, _, sql in theirs
        if kind == "view" and "*" in sql and _star(significant(tokenize(sql)))
    }  # fmt: skip
    found = {
        k: {c: (real, what, k) for c, (real, what) in cols.items() if breaks("view", False, what)}
        for k, cols in lost.items()
    }
    grew = bool(stars)
    while grew:
        grew = False
        for key, (_, sql) in stars.items():
            mine = found.setdefault(key, {})
            for source in tables_named_in(sql, set(found)) - {key}:
                for col, entry in found[source].items():
                    if col not in mine:
                        mine[col] = entry
                        grew = True
    return {k: (name, found[k]) for k, (name, _) in stars.items() if found.get(k)}


def _star(sig: list[Token]) -> bool:
    """Whether a view's text has ``*`` as a result column (``SELECT *``, ``, *``, ``t.*``), not
    as ``count(*)`` or a product."""
    return any(
        tok.text == "*" and i > 0 and (sig[i - 1].text in (",", ".") or sig[i - 1].keyword(
            "SELECT", "DISTINCT", "ALL"))
        for i, tok in enumerate(sig)
    )  # fmt: skip


def _compiled(d: Definition) -> tuple[str, ...]:
    """The statements that make view ``d`` under a name of inline_sync's in ``main``, read
    its columns, and drop it again."""
    name = PREFIX + "columns"
    text = quote(name) if d.schema_token is not None else f"main.{quote(name)}"
    create = splice(d.sql, [(d.tokens[d.name_token], text)], d.tokens[0].start)
    return create, columns_sql(name, "main"), f"DROP VIEW main.{quote(name)}"
