"""An independent description of a SQLite database's schema, for comparing two databases.

Nothing here uses ``inline_sync``: the tokenizer, the normalizer and the table-definition
parser are written from scratch so that the oracle cannot share a bug with the library.

``describe(conn)`` returns a plain nested ``dict`` describing the ``main`` schema;
``assert_same_schema(a, b)`` raises an ``AssertionError`` with a readable, path-by-path diff.
Both accept ``sqlite3.Connection`` and ``apsw.Connection`` objects.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = [
    "assert_same_schema",
    "describe",
    "diff_descriptions",
    "executescript",
    "normalize_sql",
    "rows",
    "tokenize",
]

# --------------------------------------------------------------------------------------------
# Connection helpers
# --------------------------------------------------------------------------------------------


def rows(conn: Any, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Run one statement on a sqlite3 or apsw connection and return every row as a tuple."""
    if isinstance(conn, sqlite3.Connection):
        return [tuple(r) for r in conn.execute(sql, tuple(params)).fetchall()]
    cursor = conn.cursor()
    try:
        return [tuple(r) for r in cursor.execute(sql, tuple(params))]
    finally:
        cursor.close()


def executescript(conn: Any, sql: str) -> None:
    """Run a script of several statements on a sqlite3 or apsw connection."""
    if not sql.strip():
        return
    if isinstance(conn, sqlite3.Connection):
        conn.executescript(sql)
        return
    cursor = conn.cursor()
    try:
        for _ in cursor.execute(sql):
            pass
    finally:
        cursor.close()


# --------------------------------------------------------------------------------------------
# Tokenizer
# --------------------------------------------------------------------------------------------

# kinds: "word" (bare identifier or keyword), "ident" (quoted identifier, already unquoted),
# "str" ('...' literal, raw text with its quotes), "blob" (x'..'), "num", "op", "param"
Token = tuple[str, str]

_OPERATORS = ("->>", "->", "||", "<=", ">=", "==", "!=", "<>", "<<", ">>")
_NUMBER = re.compile(r"0[xX][0-9a-fA-F_]+|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?")
_WORD = re.compile(r"[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*")
_PARAM = re.compile(r"[?][0-9]*|[:@$][A-Za-z0-9_$]+")


def _quoted(sql: str, start: int, close: str) -> tuple[str, int]:
    """Read a quoted token that starts at ``sql[start]``; a doubled ``close`` is an escape.

    Returns the text between the quotes (escapes resolved) and the index after the token.
    """
    i = start + 1
    out: list[str] = []
    while i < len(sql):
        ch = sql[i]
        if ch == close:
            if close != "]" and i + 1 < len(sql) and sql[i + 1] == close:
                out.append(close)
                i += 2
                continue
            return "".join(out), i + 1
        out.append(ch)
        i += 1
    raise ValueError(f"unterminated quoted token starting at {start}: {sql[start : start + 40]!r}")


def tokenize(sql: str) -> list[Token]:
    """Split SQL text into tokens, dropping whitespace and comments."""
    tokens: list[Token] = []
    i = 0
    n = len(sql)
    while i < n:
        ch = sql[i]
        if ch.isspace():
            i += 1
            continue
        if sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end < 0 else end + 1
            continue
        if sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        if ch == "'":
            _, end = _quoted(sql, i, "'")
            tokens.append(("str", sql[i:end]))
            i = end
            continue
        if ch in "xX" and i + 1 < n and sql[i + 1] == "'":
            _, end = _quoted(sql, i + 1, "'")
            tokens.append(("blob", sql[i:end].lower()))
            i = end
            continue
        if ch == '"':
            text, i = _quoted(sql, i, '"')
            tokens.append(("ident", text.lower()))
            continue
        if ch == "`":
            text, i = _quoted(sql, i, "`")
            tokens.append(("ident", text.lower()))
            continue
        if ch == "[":
            text, i = _quoted(sql, i, "]")
            tokens.append(("ident", text.lower()))
            continue
        if ch.isdigit() or (ch == "." and i + 1 < n and sql[i + 1].isdigit()):
            m = _NUMBER.match(sql, i)
            assert m is not None
            tokens.append(("num", m.group(0).lower()))
            i = m.end()
            continue
        m = _WORD.match(sql, i)
        if m:
            tokens.append(("word", m.group(0).lower()))
            i = m.end()
            continue
        m = _PARAM.match(sql, i)
        if m:
            tokens.append(("param", m.group(0)))
            i = m.end()
            continue
        for op in _OPERATORS:
            if sql.startswith(op, i):
                tokens.append(("op", {"==": "=", "<>": "!="}.get(op, op)))
                i += len(op)
                break
        else:
            tokens.append(("op", ch))
            i += 1
    return tokens


_BARE = re.compile(r"[a-z_][a-z0-9_$]*\Z")


def _render(token: Token) -> str:
    kind, text = token
    if kind == "ident":
        return text if _BARE.match(text) else '"' + text.replace('"', '""') + '"'
    return text


def render_tokens(tokens: Iterable[Token]) -> str:
    """Render tokens as one canonical string: single spaces, identifiers unquoted."""
    return " ".join(_render(t) for t in tokens)


def _strip_if_not_exists(tokens: list[Token]) -> list[Token]:
    """Drop ``IF NOT EXISTS`` from ``CREATE [TEMP] [UNIQUE|VIRTUAL] <kind> IF NOT EXISTS``."""
    for i in range(min(len(tokens), 5)):
        if tokens[i][0] == "word" and tokens[i][1] in ("table", "index", "view", "trigger"):
            window = [t[1] for t in tokens[i + 1 : i + 4] if t[0] == "word"]
            if window == ["if", "not", "exists"]:
                return tokens[: i + 1] + tokens[i + 4 :]
            break
    return tokens


def normalize_sql(sql: str | None) -> str | None:
    """Canonical text of one statement: no comments or extra whitespace, keywords and
    identifiers lower-cased, identifiers unquoted, string literals kept exactly, and
    ``IF NOT EXISTS`` and a trailing ``;`` removed."""
    if sql is None:
        return None
    tokens = tokenize(sql)
    while tokens and tokens[-1] == ("op", ";"):
        tokens.pop()
    return render_tokens(_strip_if_not_exists(tokens))


# --------------------------------------------------------------------------------------------
# CREATE TABLE parsing (only what PRAGMAs do not show)
# --------------------------------------------------------------------------------------------

_TABLE_CONSTRAINT_START = {"constraint", "primary", "unique", "check", "foreign"}


def _paren_group(tokens: list[Token], start: int) -> tuple[list[Token], int]:
    """``tokens[start]`` is ``(``; return the tokens inside the matching ``)`` and the index
    after it."""
    assert tokens[start] == ("op", "(")
    depth = 0
    for j in range(start, len(tokens)):
        if tokens[j] == ("op", "("):
            depth += 1
        elif tokens[j] == ("op", ")"):
            depth -= 1
            if depth == 0:
                return tokens[start + 1 : j], j + 1
    raise ValueError("unbalanced parentheses")


def _split_top_level(tokens: list[Token]) -> list[list[Token]]:
    items: list[list[Token]] = [[]]
    depth = 0
    for tok in tokens:
        if tok == ("op", "("):
            depth += 1
        elif tok == ("op", ")"):
            depth -= 1
        if tok == ("op", ",") and depth == 0:
            items.append([])
        else:
            items[-1].append(tok)
    return [item for item in items if item]


def _name_of(token: Token) -> str:
    kind, text = token
    if kind == "str":  # 'name' used as an identifier
        return text[1:-1].replace("''", "'").lower()
    return text.lower()


def parse_table_extras(sql: str) -> dict[str, Any]:
    """What a CREATE TABLE says that PRAGMA table_xinfo / index_list / foreign_key_list do not:
    the CHECK expressions (column- and table-level pooled, as a sorted list), each column's
    COLLATE, each generated column's expression, and AUTOINCREMENT."""
    tokens = tokenize(sql)
    open_at = next(i for i, t in enumerate(tokens) if t == ("op", "("))
    body, _ = _paren_group(tokens, open_at)
    checks: list[str] = []
    collations: dict[str, str] = {}
    generated: dict[str, str] = {}
    autoincrement = False
    for item in _split_top_level(body):
        first = item[0]
        is_constraint = first[0] == "word" and first[1] in _TABLE_CONSTRAINT_START
        column = None if is_constraint else _name_of(first)
        i = 0 if is_constraint else 1
        while i < len(item):
            tok = item[i]
            if tok == ("op", "("):
                _, i = _paren_group(item, i)
                continue
            if tok[0] == "word":
                word = tok[1]
                nxt = item[i + 1] if i + 1 < len(item) else None
                if word == "check" and nxt == ("op", "("):
                    expr, i = _paren_group(item, i + 1)
                    checks.append(render_tokens(expr))
                    continue
                if word == "as" and nxt == ("op", "(") and column is not None:
                    expr, i = _paren_group(item, i + 1)
                    generated[column] = render_tokens(expr)
                    continue
                if word == "collate" and nxt is not None and column is not None:
                    collations[column] = _name_of(nxt).upper()
                    i += 2
                    continue
                if word == "autoincrement":
                    autoincrement = True
            i += 1
        if is_constraint and any(t == ("word", "autoincrement") for t in item):
            autoincrement = True
    return {
        "checks": sorted(checks),
        "collations": collations,
        "generated": generated,
        "autoincrement": autoincrement,
    }


# --------------------------------------------------------------------------------------------
# describe()
# --------------------------------------------------------------------------------------------


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


def _normalize_type(decl: str | None) -> str:
    if not decl:
        return ""
    return render_tokens(tokenize(decl)).upper()


def _columns(conn: Any, table: str) -> list[dict[str, Any]]:
    out = []
    for _cid, name, decl, notnull, dflt, pk, hidden in rows(
        conn, "SELECT * FROM pragma_table_xinfo(?, 'main')", (table,)
    ):
        out.append(
            {
                "name": _lower(name),
                "type": _normalize_type(decl),
                "notnull": notnull,
                "default": normalize_sql(dflt) if dflt is not None else None,
                "pk": pk,
                "hidden": hidden,
            }
        )
    return out


def _index_columns(conn: Any, index: str) -> list[dict[str, Any]]:
    return [
        {"cid": cid, "name": _lower(name), "desc": desc, "coll": _upper(coll), "key": key}
        for _seqno, cid, name, desc, coll, key in rows(
            conn, "SELECT * FROM pragma_index_xinfo(?, 'main')", (index,)
        )
    ]


def _foreign_keys(conn: Any, table: str) -> list[list[tuple[Any, ...]]]:
    groups: dict[int, list[tuple[Any, ...]]] = {}
    for fk_id, seq, parent, col_from, col_to, on_update, on_delete, match in rows(
        conn, "SELECT * FROM pragma_foreign_key_list(?, 'main')", (table,)
    ):
        groups.setdefault(fk_id, []).append(
            (seq, _lower(parent), _lower(col_from), _lower(col_to), on_update, on_delete, match)
        )
    return sorted((sorted(g) for g in groups.values()), key=repr)


def describe(conn: Any) -> dict[str, Any]:
    """Describe the ``main`` schema of a connection as a nested dict of plain values.

    Names are lower-cased (SQLite compares them case-insensitively). ``sqlite_*`` tables,
    inline_sync's own state table ``_inline_sync_state``, Cloudflare's ``_cf_*`` tables,
    auto-index names and virtual-table shadow tables are left out; auto-indexes are described
    by their columns and flags under their table.
    """
    table_list = {
        name: (kind, ncol, wr, strict)
        for _schema, name, kind, ncol, wr, strict in rows(
            conn, "SELECT * FROM pragma_table_list WHERE schema = 'main'"
        )
    }
    master = rows(
        conn,
        "SELECT type, name, tbl_name, sql FROM main.sqlite_schema "
        "WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name != '_inline_sync_state' "
        "AND lower(substr(name, 1, 4)) != '_cf_' "
        "ORDER BY type, name",
    )
    tables: dict[str, Any] = {}
    views: dict[str, Any] = {}
    indexes: dict[str, Any] = {}
    triggers: dict[str, Any] = {}
    for kind, name, tbl_name, sql in master:
        key = name.lower()
        if kind == "table":
            list_kind, _ncol, wr, strict = table_list.get(name, ("table", 0, 0, 0))
            if list_kind == "shadow":
                continue
            entry: dict[str, Any] = {
                "type": list_kind,
                "strict": strict,
                "without_rowid": wr,
                "columns": _columns(conn, name),
                "foreign_keys": _foreign_keys(conn, name),
            }
            auto = []
            for _seq, idx_name, unique, origin, partial in rows(
                conn, "SELECT * FROM pragma_index_list(?, 'main')", (name,)
            ):
                if idx_name.lower().startswith("sqlite_autoindex_"):
                    auto.append(
                        {
                            "unique": unique,
                            "origin": origin,
                            "partial": partial,
                            "columns": _index_columns(conn, idx_name),
                        }
                    )
            entry["auto_indexes"] = sorted(auto, key=repr)
            if list_kind == "virtual":
                entry["sql"] = normalize_sql(sql)
            else:
                entry.update(parse_table_extras(sql))
            tables[key] = entry
        elif kind == "index":
            if sql is None:  # an auto-index that does not use the sqlite_autoindex_ prefix
                continue
            info = [
                {"unique": unique, "origin": origin, "partial": partial}
                for _seq, idx_name, unique, origin, partial in rows(
                    conn, "SELECT * FROM pragma_index_list(?, 'main')", (tbl_name,)
                )
                if idx_name == name
            ]
            indexes[key] = {
                "table": tbl_name.lower(),
                "sql": normalize_sql(sql),
                "flags": info,
                "columns": _index_columns(conn, name),
            }
        elif kind == "view":
            try:
                columns: Any = [
                    (_lower(r[1]), _normalize_type(r[2]))
                    for r in rows(conn, "SELECT * FROM pragma_table_xinfo(?, 'main')", (name,))
                ]
            except Exception as exc:  # a view whose SELECT no longer compiles
                columns = f"error: {exc}"
            views[key] = {"sql": normalize_sql(sql), "columns": columns}
        elif kind == "trigger":
            triggers[key] = {"table": tbl_name.lower(), "sql": normalize_sql(sql)}
    return {"tables": tables, "indexes": indexes, "views": views, "triggers": triggers}


# --------------------------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------------------------


def diff_descriptions(a: Any, b: Any, path: str = "schema") -> list[str]:
    """Every difference between two ``describe()`` results, one line each."""
    if isinstance(a, dict) and isinstance(b, dict):
        lines: list[str] = []
        for key in sorted(set(a) | set(b), key=str):
            sub = f"{path}.{key}"
            if key not in b:
                lines.append(f"{sub}: only in A: {a[key]!r}")
            elif key not in a:
                lines.append(f"{sub}: only in B: {b[key]!r}")
            else:
                lines.extend(diff_descriptions(a[key], b[key], sub))
        return lines
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b) and a != b:
        lines = []
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            lines.extend(diff_descriptions(x, y, f"{path}[{i}]"))
        return lines
    if a != b:
        return [f"{path}:\n    A: {a!r}\n    B: {b!r}"]
    return []


def assert_same_schema(conn_a: Any, conn_b: Any, label_a: str = "A", label_b: str = "B") -> None:
    """Fail with a readable diff unless the two databases' ``main`` schemas are equivalent."""
    diff = diff_descriptions(describe(conn_a), describe(conn_b))
    if diff:
        header = f"schemas differ (A = {label_a}, B = {label_b}):"
        raise AssertionError(header + "\n  " + "\n  ".join(diff))


def affinity(decl: str | None) -> str:
    """SQLite's column affinity for a declared type (https://sqlite.org/datatype3.html)."""
    d = (decl or "").upper()
    if "INT" in d:
        return "INTEGER"
    if "CHAR" in d or "CLOB" in d or "TEXT" in d:
        return "TEXT"
    if "BLOB" in d or not d:
        return "BLOB"
    if "REAL" in d or "FLOA" in d or "DOUB" in d:
        return "REAL"
    return "NUMERIC"
