"""Virtual tables that change: their rows copied through a holding table, an external-content
FTS index rebuilt from its content table, computed tables (fts5vocab, dbstat) simply made
again, and virtual tables renamed by hint (in place: ``ALTER TABLE … RENAME TO`` renames their
shadow tables with them).
"""

from __future__ import annotations

from collections.abc import Callable, Container

from .definitions import Definition
from .models import Schema, VirtualTable
from .names import PREFIX, followed_renames, free_name, hinted_renames, in_main
from .plan import Step
from .tokenizer import COMMENT, STRING, Token, fold, literal, quote, tokenize

#: Read-only modules whose rows are computed from other data (an FTS index's vocabulary, the
#: database's pages): a changed one is made again, with nothing to copy and nothing lost.
_DERIVED = frozenset({"fts5vocab", "fts4aux", "dbstat"})
#: Modules whose rowid is their first column (copied as a column, not separately).
_RTREES = frozenset({"rtree", "rtree_i32", "geopoly"})
_FTS = ("fts4", "fts5")
# The settings fts5 keeps in its _config shadow table ('version' is its own).
_FTS5_SETTINGS = ("automerge", "crisismerge", "deletemerge", "hashsize", "insttoken", "pgsz",
                  "rank", "secure-delete", "usermerge")  # fmt: skip


def fts_content(vt: VirtualTable) -> str | None:
    """Where an fts4 or fts5 table keeps its text, from its ``content=`` option: None in the
    table itself (no such option, or another module), "" nowhere (contentless: only the index
    is kept), else the name of its external content table."""
    return fts_option(vt, "content")


def reads_content(sql: str) -> bool:
    """Whether a CREATE VIRTUAL TABLE statement makes an fts5 index over an external content
    table, which must exist for the index to be read (fts5 reads it, when first used only)."""
    names = [t for t in tokenize(sql) if t.kind is not COMMENT]
    at = next((i for i, t in enumerate(names) if t.keyword("USING")), len(names)) + 1
    if at >= len(names) or fold(names[at].value) != "fts5":
        return False
    return bool(fts_content(VirtualTable("", sql, "fts5", "")))


def fts_option(vt: VirtualTable, option: str) -> str | None:
    """The value of an fts4 or fts5 table's ``option=value`` argument (unquoted), or None."""
    if vt.module not in _FTS:
        return None
    for arg in _fts_arguments(vt):
        if len(arg) > 2 and arg[0].is_name and arg[0].folded == option and arg[1].text == "=":
            value = arg[2:]
            if len(value) > 1:
                return "".join(t.text for t in value)
            if value[0].kind is STRING:
                return value[0].text[1:-1].replace("''", "'")
            return value[0].value
    return None


def fts_reads(vt: VirtualTable) -> tuple[str, set[str]] | None:
    """What an fts4 or fts5 index over an external content table reads there: that table's
    folded name, and the folded names of the columns it reads (its own columns', and the
    rowid or fts5's ``content_rowid``); None for any other virtual table."""
    content = fts_content(vt)
    if not content:
        return None
    names = {
        arg[0].folded
        for arg in _fts_arguments(vt)
        if arg and arg[0].is_name and not (len(arg) > 1 and arg[1].text == "=")
        and not arg[0].keyword("TOKENIZE")  # (fts4's "tokenize porter")
    }  # fmt: skip
    return fold(content), names | {fold(fts_option(vt, "content_rowid") or "rowid")}


def _fts_arguments(vt: VirtualTable) -> list[list[Token]]:
    """The tokens of each of a virtual table's arguments (none for fts4 without any)."""
    sig = [t for t in tokenize(vt.sql) if t.kind is not COMMENT]
    # (Every virtual table's SQL has USING; with no arguments, fts4's, nothing is at ``at``.)
    at = next(i for i, t in enumerate(sig) if t.keyword("USING")) + 2
    depth = 0
    args: list[list[Token]] = [[]]
    for tok in sig[at + 1 :]:  # after the "(" that follows the module's name
        if tok.text == "(":
            depth += 1
        elif tok.text == ")":
            if not depth:
                break
            depth -= 1
        elif tok.text == "," and not depth:
            args.append([])
            continue
        args[-1].append(tok)
    return args


def table_renames(
    cur: Schema,
    des: Schema,
    defs: dict[tuple[str, str], Definition],
    columns_of: Callable[[str, str], list[str]],
) -> tuple[dict[str, str], dict[str, str]]:
    """The tables and the virtual tables renamed by ``@renamed`` hints, each desired key ->
    current key. Followed together (:func:`names.followed_renames`: through chains, and when
    the old name is declared again), for the two kinds share one name space: a chain may pass
    a name from one kind to the other, and a hint into a name the other kind holds is one left
    in place after its rename. A table's hint names a table, a virtual table's a virtual
    table. A virtual table is renamed by ``ALTER TABLE … RENAME TO`` (its module renames its
    shadow tables); one whose arguments change too is then made again with its rows
    (:func:`changed_virtual_tables`), where the columns of the live one its hint names are
    known (``columns_of("renamed", name)``), else made anew."""
    hints = {new: old for new, old in hinted_renames(defs, des.tables).items() if old in cur.tables}
    vt_hints = {
        new: old
        for new, old in hinted_renames(defs, des.virtual_tables).items()
        if old in cur.virtual_tables
        and (
            _arguments(cur.virtual_tables[old]) == _arguments(des.virtual_tables[new])
            or bool(columns_of("renamed", des.virtual_tables[new].name))
        )
    }
    followed = followed_renames(
        {**hints, **vt_hints},
        set(cur.tables) | set(cur.virtual_tables),
        set(des.tables) | set(des.virtual_tables),
    )
    return (
        {new: old for new, old in followed.items() if new in des.tables},
        {new: old for new, old in followed.items() if new in des.virtual_tables},
    )


def _arguments(vt: VirtualTable) -> tuple[str, str]:
    return vt.module, vt.arguments


def changed_virtual_tables(
    cur: Schema, des: Schema, renames: dict[str, str]
) -> dict[str, VirtualTable]:
    """The virtual tables whose module or arguments change (``renames``: desired key ->
    current key, :func:`table_renames`): desired key -> the live one, under its new
    name (renamed first, it is then made again)."""
    moved = set(renames.values())  # (a new one of the old name may take its place)
    changed: dict[str, VirtualTable] = {}
    for key, vt in des.virtual_tables.items():
        old = renames.get(key, key if key not in moved else None)
        live = cur.virtual_tables.get(old) if old is not None else None
        if live is not None and _arguments(live) != _arguments(vt):
            changed[key] = VirtualTable(vt.name, live.sql, live.module, live.arguments)
    return changed


def dropped_columns(
    changed: dict[str, VirtualTable],
    renames: dict[str, str],
    columns_of: Callable[[str, str], list[str]],
) -> dict[str, list[str]]:
    """The columns each changed virtual table (:func:`changed_virtual_tables`) is made again
    without, by its current key, as the live one names them: a view or trigger that is not
    ours and names one could not run afterwards."""
    found = {}
    for key, live in changed.items():
        new = {fold(c) for c in columns_of("desired", live.name)}
        old = columns_of("renamed" if key in renames else "current", live.name)
        if gone := [c for c in old if fold(c) not in new]:
            found[renames.get(key, key)] = gone
    return found


def _rebuild(name: str) -> Step:
    return Step("copy rows", "virtual table", name,
                f"INSERT INTO {in_main(name)} ({quote(name)}) VALUES ('rebuild')",
                "rebuild the index from its external content table")  # fmt: skip


def create_virtual_table(vt: VirtualTable, create_sql: str, tables: Container[str]) -> list[Step]:
    """Create a new virtual table. An FTS index over an external content table that exists
    (``tables``: the folded names of the tables there after the sync, declared or kept) is
    then built from that table's rows: made empty over rows it does not index, it would find
    none of them, and the 'delete' the usual triggers send for such a row corrupts an fts5
    index."""
    why = "new virtual table"
    steps = [Step("create", "virtual table", vt.name, create_sql, why)]
    content = fts_content(vt)
    if content and fold(content) in tables:
        steps.append(_rebuild(vt.name))
    return steps


def recreate_virtual_table(
    cur: VirtualTable,
    des: VirtualTable,
    create_sql: str,
    columns_of: Callable[[str, str], list[str]],
) -> tuple[list[Step], str, tuple[str, ...]]:
    """Drop and recreate a changed virtual table, keeping its rows where they can be kept:
    copied through a plain table, or, for an FTS index over an external content table,
    rebuilt from that table; an fts5 index keeps its settings too.

    Returns the steps, the reason, and what is lost (as :attr:`Change.lost` says it).
    """
    steps, reason, lost = _recreate(cur, des, create_sql, columns_of)
    if cur.module == des.module == "fts5":
        steps = _keep_settings(steps, cur, des)
    return steps, reason, lost


def _keep_settings(steps: list[Step], cur: VirtualTable, des: VirtualTable) -> list[Step]:
    """fts5 keeps what ``INSERT INTO f(f, rank) VALUES ('rank', …)`` (``'automerge'``,
    ``'pgsz'``, …) set in its ``_config`` shadow table: made again, it would start from the
    defaults. They are held aside and set again before any row goes back in."""
    name, holding = des.name, PREFIX + "settings_" + des.name
    keys = ", ".join(map(literal, _FTS5_SETTINGS))
    drop = next(i for i, s in enumerate(steps) if s.action == "drop")
    create = next(i for i, s in enumerate(steps) if s.action == "create")
    return [
        *steps[:drop],
        Step("keep settings", "virtual table", name,
             f"CREATE TABLE {in_main(holding)} AS SELECT k, v FROM "
             f"{in_main(cur.name + '_config')} WHERE k IN ({keys})", "hold its settings"),
        *steps[drop : create + 1],
        Step("keep settings", "virtual table", name,
             f"INSERT INTO {in_main(name)} ({quote(name)}, rank) SELECT k, v FROM "
             f"{in_main(holding)}", "set its settings again"),
        Step("drop", "table", holding, f"DROP TABLE {in_main(holding)}", "drop the holding table"),
        *steps[create + 1 :],
    ]  # fmt: skip


def _recreate(
    cur: VirtualTable,
    des: VirtualTable,
    create_sql: str,
    columns_of: Callable[[str, str], list[str]],
) -> tuple[list[Step], str, tuple[str, ...]]:
    name = des.name
    holding = PREFIX + "copy_" + name
    reason = "definition changed"
    if des.module in _DERIVED:  # its rows are computed, and it refuses writes
        return [
            Step("drop", "virtual table", name, f"DROP TABLE {in_main(cur.name)}", reason),
            Step("create", "virtual table", name, create_sql, reason),
        ], reason, ()  # fmt: skip
    content, before = fts_content(des), fts_content(cur)
    if content:
        gone: tuple[str, ...] = ()
        # What it held of its own: its rows, or a contentless index's entries (for rows that
        # need not be in the content table).
        what = "index entries" if before == "" else "text" if cur.module in _FTS else "rows"
        if (before is None and cur.module not in _DERIVED) or before == "":
            reason += f"; external content now: rebuilt from {content}, its own {what} not kept"
            kind = f"contentless {cur.module}" if before == "" else cur.module
            gone = (f"the {what} of the {kind} table {name} "
                    f"(external content now: it is rebuilt from {content})",)  # fmt: skip
        return [
            Step("drop", "virtual table", name, f"DROP TABLE {in_main(name)}", reason),
            Step("create", "virtual table", name, create_sql, reason),
            _rebuild(name),
        ], reason, gone  # fmt: skip
    old_cols = {fold(c): c for c in columns_of("current", cur.name)}
    new_cols = [c for c in columns_of("desired", des.name) if fold(c) in old_cols]
    keep_rowid = des.module not in _RTREES
    lost: list[str] = []
    if before == "":  # contentless: the indexed text cannot be read back
        reason += f"; a contentless {cur.module} index cannot be copied, it starts empty"
        lost.append(f"the rows of the contentless {cur.module} table {name}")
        new_cols = []
        keep_rowid = False
    elif content == "" and not before:  # made contentless: the text is indexed, not kept
        # (An external content index's text stays in its content table.)
        reason += "; contentless now: the text is indexed, no longer stored"
        lost.append(
            f"the text of the {des.module} table {name} (contentless now: only its index is kept)"
        )
    # fts4's language ids live in a hidden column, not among its columns: copied as one.
    old_language, new_language = fts_option(cur, "languageid"), fts_option(des, "languageid")
    if old_language:  # (a table that no longer has them drops them, as it would a column)
        old_cols[fold(new_language or old_language)] = old_language
        if new_language and new_cols:
            new_cols.append(new_language)
    # (A column of the user's may have the name: the holding table's rowid takes another.)
    rowid = quote(free_name(PREFIX + "rowid", {*old_cols, *map(fold, new_cols)}))
    select = ([f"rowid AS {rowid}"] if keep_rowid else []) + [
        quote(old_cols[fold(c)]) for c in new_cols
    ]
    steps: list[Step] = []
    if new_cols or keep_rowid:
        steps.append(Step("copy rows", "virtual table", name,
                          f"CREATE TABLE {in_main(holding)} AS SELECT {', '.join(select)} "
                          f"FROM {in_main(cur.name)}",
                          "hold the rows while recreating"))  # fmt: skip
    steps.append(Step("drop", "virtual table", name, f"DROP TABLE {in_main(cur.name)}", reason))
    steps.append(Step("create", "virtual table", name, create_sql, reason))
    if new_cols or keep_rowid:
        targets = (["rowid"] if keep_rowid else []) + [quote(c) for c in new_cols]
        sources = ([rowid] if keep_rowid else []) + [quote(old_cols[fold(c)]) for c in new_cols]
        steps.append(Step("copy rows", "virtual table", name,
                          f"INSERT INTO {in_main(name)} ({', '.join(targets)}) "
                          f"SELECT {', '.join(sources)} FROM {in_main(holding)}",
                          "copy the rows back", source=holding, target=name))  # fmt: skip
        steps.append(Step("drop", "table", holding, f"DROP TABLE {in_main(holding)}",
                          "drop the holding table"))  # fmt: skip
    dropped = [old_cols[c] for c in old_cols if c not in {fold(x) for x in new_cols}]
    if dropped and not lost:
        reason += f"; columns dropped: {', '.join(dropped)}"
        lost = [f"column {name}.{c}" for c in dropped]
    return steps, reason, tuple(lost)
