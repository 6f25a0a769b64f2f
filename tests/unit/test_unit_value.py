"""The plain data types (plan, schema model, table diff, definition, tokens) behave like the
frozen dataclasses and named tuples they replaced: equality and hashing by value, a readable
repr, no assignment, replace, copy and pickle."""

from __future__ import annotations

import copy
import pickle

import pytest

from inline_sync.definitions import parse_definitions
from inline_sync.diff import TableDiff
from inline_sync.models import (
    Check,
    Column,
    ForeignKey,
    Index,
    IndexedColumn,
    KeyConstraint,
    Schema,
    Table,
)
from inline_sync.names import ignore_filter
from inline_sync.plan import Change, ForeignKeyCheck, Step, SyncPlan, SyncResult
from inline_sync.statements import split_statements
from inline_sync.tokenizer import Statement, Token, tokenize


def _table(**changes: object) -> Table:
    table = Table(
        "Users",
        "CREATE TABLE Users (id INTEGER PRIMARY KEY, email TEXT)",
        (Column("id", "integer"), Column("email", "text", not_null=True, checks=("a > 0",))),
        primary_key=KeyConstraint((IndexedColumn("id"),)),
        foreign_keys=(ForeignKey(("email",), "emails", ("address",)),),
        checks=(Check("a > 0", sql="CHECK (a > 0)"),),
    )
    return table.replace(**changes)


SAMPLES = [
    Column("id", "integer", default="0"),
    IndexedColumn("id", "nocase", desc=True),
    KeyConstraint((IndexedColumn("id"),), autoincrement=True),
    ForeignKey(("a",), "t", ()),
    Check("a > 0", name="positive"),
    _table(),
    Index("ix", "t", "CREATE INDEX ix ON t(a)", "on t ( a )", frozenset({"t", "a"})),
    TableDiff(_table(), _table(strict=True), rebuild=True, reasons=("STRICT added",)),
    Step("create", "table", "t", "CREATE TABLE t (a)", "new table"),
    Change("table", "t", "create"),
    ForeignKeyCheck(None, "t", (("p", "p"),)),
    SyncPlan((Step("create", "table", "t", "CREATE TABLE t (a)", "new"),), strategy="prefix"),
]


@pytest.mark.parametrize("value", SAMPLES, ids=lambda v: type(v).__name__)
def test_equal_by_value_hashable_and_immutable(value: object) -> None:
    twin = copy.copy(value)
    assert twin == value and twin is not value
    assert hash(twin) == hash(value)
    assert copy.deepcopy(value) == value
    assert pickle.loads(pickle.dumps(value)) == value
    assert (value != twin) is False
    fields: tuple[str, ...] = value.__slots__  # type: ignore[attr-defined]
    assert value != object() and value != tuple(getattr(value, n) for n in fields)
    name = fields[0]
    with pytest.raises(AttributeError, match="immutable"):
        setattr(value, name, None)
    with pytest.raises(AttributeError, match="immutable"):
        delattr(value, name)
    with pytest.raises(AttributeError):
        value.not_a_field = 1  # type: ignore[attr-defined]


def test_fields_compare_in_order_and_types_must_match() -> None:
    assert Column("a", "text") != Column("a", "integer")
    assert Column("a", "text") != Column("A", "text")  # names as written; .key is folded
    assert Column("a", "text").key == Column("A", "text").key == "a"
    assert Check("a > 0") != Check("a > 0", name="c")
    # Equal fields in different classes are different values.
    assert IndexedColumn("a") != Check("a")
    assert len({Column("a", "text"), Column("a", "text"), Column("b", "text")}) == 2


def test_repr_names_every_field_like_a_dataclass() -> None:
    assert repr(IndexedColumn("id", "nocase", desc=True)) == (
        "IndexedColumn(name='id', collate='nocase', desc=True)"
    )
    assert repr(Check("a > 0")) == "Check(expression='a > 0', name='', sql='')"
    assert repr(Column("id", "integer")) == (
        "Column(name='id', type='integer', not_null=False, not_null_conflict='', default=None, "
        "collate=None, generated=None, stored=False, sql='', has_key_constraint=False, "
        "references=False, checks=())"
    )
    # The plan leaves its internals out.
    assert repr(SyncPlan()) == (
        "SyncPlan(steps=(), changes=(), strategy='', sqlite_version='', foreign_keys='off')"
    )


def test_replace_makes_a_changed_copy() -> None:
    fk = ForeignKey(("a",), "t", (), name="fk_a")
    unnamed = fk.replace(name="")
    assert unnamed == ForeignKey(("a",), "t", ()) and fk.name == "fk_a"
    assert _table(strict=True).strict and not _table().strict
    with pytest.raises(TypeError):
        fk.replace(no_such_field=1)


def test_defaults_are_not_shared_between_instances() -> None:
    a, b = Schema(), Schema()
    assert a == b and a.tables is not b.tables
    a.tables["t"] = _table()
    assert b.tables == {}
    with pytest.raises(TypeError):
        hash(a)  # dict fields: unhashable, as with a frozen dataclass


def test_a_definition_is_a_value() -> None:
    text = "CREATE TABLE t (\n  a INTEGER -- @renamed from=b\n);"
    (d,) = parse_definitions(text, ignore_filter())
    assert d.column_renames == {"a": "b"}
    assert d == d.replace() and d.key == "t"
    assert repr(d).startswith("Definition(kind='table', name='t', sql=")
    with pytest.raises(AttributeError):
        d.name = "u"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        d.key = "u"  # type: ignore[misc]
    # The folded name is kept beside the fields, not among them: it follows the name.
    renamed = d.replace(name="Ünï_T")
    assert renamed.key == "Ünï_t" and "key" not in repr(renamed)
    assert renamed != d and copy.deepcopy(renamed).key == "Ünï_t"
    assert pickle.loads(pickle.dumps(renamed)) == renamed


def test_result_and_tokens() -> None:
    result = SyncResult("synced", SyncPlan(), ("CREATE TABLE t (a)",), 0.5)
    assert result == copy.deepcopy(result)
    (tok,) = tokenize("name")
    assert tok == Token("word", "name", 0) == ("word", "name", 0)
    assert (tok.kind, tok.text, tok.start, tok.end) == ("word", "name", 0, 4)
    assert repr(tok) == "Token(kind='word', text='name', start=0)"
    assert pickle.loads(pickle.dumps(tok)) == tok and type(copy.copy(tok)) is Token
    kind, text, start = tok
    assert (kind, text, start) == tok
    (stmt,) = split_statements("\n CREATE TABLE t (a);")
    assert isinstance(stmt, Statement) and stmt.line == 2 and stmt.text == "CREATE TABLE t (a)"
    assert stmt == Statement(stmt.text, stmt.tokens, 2)
    assert repr(stmt).startswith("Statement(text='CREATE TABLE t (a)', tokens=[Token(")
    assert pickle.loads(pickle.dumps(stmt)) == stmt
