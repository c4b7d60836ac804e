"""Syntax newer than the interpreter (PEP 695/701) goes through libcst with the same lines;
the libcst route gives the same facts as the ast route on code both can read."""

from __future__ import annotations

import ast
import sys
from dataclasses import asdict
from pathlib import Path

import pytest

from analyzer.parse import extract_facts
from analyzer.parse.modern_syntax import rewrite_for_ast

PEP695 = '''
from shop.models import Order

type OrderId = int
type Pair[T] = tuple[T, T]

class Repository[T: Order]:
    def get(self, key: OrderId) -> T:
        return self.load(key)

def first[
    T,
](items: list[T]) -> T:
    return items[0]

def after():
    return first([1])
'''

PEP701 = '''
from shop import pricing

def label(order):
    return f"{order["number"]}: {pricing.total(order)}"

def nested(d):
    return f"{f"{d["a"]}"} and {d['b']}"

def report(cursor, table):
    cursor.execute(f"SELECT * FROM orders WHERE kind = {table["k"]}")

def last():
    return pricing.rounding()
'''


def line_of(source, needle):
    return next(i for i, text in enumerate(source.splitlines(), 1) if needle in text)


def defs(facts):
    return {d.qualname: (d.line, d.end_line) for d in facts.definitions}


def test_pep695_generics_and_type_aliases_keep_lines():
    facts = extract_facts("shop/repo.py", "shop.repo", False, PEP695.encode())
    if sys.version_info < (3, 12):
        assert facts.parser == "libcst"
        messages = [w.message for w in facts.warnings if w.kind == "syntax_rewritten"]
        assert any("type parameters" in m for m in messages)
        assert any("`type` alias" in m for m in messages)
    found = defs(facts)
    assert found["shop.repo.Repository"][0] == line_of(PEP695, "class Repository")
    assert found["shop.repo.Repository.get"] == (line_of(PEP695, "def get"),
                                                 line_of(PEP695, "return self.load"))
    assert found["shop.repo.first"] == (line_of(PEP695, "def first"),
                                        line_of(PEP695, "return items[0]"))
    assert found["shop.repo.after"][0] == line_of(PEP695, "def after")
    call = next(r for r in facts.references if r.scope == "shop.repo.after" and r.is_call)
    assert (call.target, call.line) == ("shop.repo.first", line_of(PEP695, "first([1])"))
    load = next(r for r in facts.references if r.expr == "self.load")
    assert load.target == "shop.repo.Repository.load"


def test_pep701_fstrings_requoted_with_calls_and_sql_kept():
    facts = extract_facts("shop/labels.py", "shop.labels", False, PEP701.encode())
    if sys.version_info < (3, 12):
        assert facts.parser == "libcst"
        assert any("re-quoted" in w.message for w in facts.warnings)
    total = next(r for r in facts.references if r.expr == "pricing.total")
    assert (total.target, total.line) == ("shop.pricing.total", line_of(PEP701, "pricing.total"))
    sql = facts.sql[0]
    assert sql.reads == ["orders"] and sql.line == line_of(PEP701, "cursor.execute")
    assert defs(facts)["shop.labels.last"][0] == line_of(PEP701, "def last")


def test_rewrite_places_placeholder_when_no_quote_fits():
    source = 'x = f"{"\\n".join(items)}"\ny = 1\n'
    text, changes = rewrite_for_ast(source)
    tree = ast.parse(text)
    assert [n.lineno for n in tree.body] == [1, 2]
    assert "__strangler_fexpr_" in text
    assert any("placeholder" in c.message for c in changes)


def test_file_no_parser_reads_is_a_warning_with_libcst_line():
    source = b"def ok():\n    pass\n\ndef broken(:\n    pass\n"
    facts = extract_facts("shop/bad.py", "shop.bad", False, source)
    assert facts.parser == "none" and facts.definitions == []
    warning = facts.warnings[0]
    assert warning.kind == "parse_error" and warning.line == 4


def test_python2_file_and_null_bytes_do_not_crash():
    facts = extract_facts("legacy.py", "legacy", False, b'print "hello"\n')
    assert facts.parser == "none" and facts.warnings[0].kind == "parse_error"
    facts = extract_facts("nul.py", "nul", False, b"x = 1\x00\n")
    assert facts.parser == "none" and facts.warnings[0].kind == "parse_error"


def test_undecodable_bytes_warn_and_parse_the_rest():
    source = b"def checkout():\n    return 1\n\nNAME = '\xff\xfe'\n"
    facts = extract_facts("shop/enc.py", "shop.enc", False, source)
    assert facts.parser == "ast"
    warning = next(w for w in facts.warnings if w.kind == "encoding_error")
    assert warning.line == 4
    assert [d.qualname for d in facts.definitions] == ["shop.enc.checkout"]
    latin = b"# -*- coding: latin-1 -*-\nNAME = '\xe9'\ndef f():\n    pass\n"
    facts = extract_facts("shop/latin.py", "shop.latin", False, latin)
    assert not facts.warnings and facts.definitions[0].line == 3


def _comparable(facts):
    data = asdict(facts)
    data.pop("parser")
    data["warnings"] = [w for w in data["warnings"] if w["kind"] != "syntax_rewritten"]
    return data


REPO = Path(__file__).resolve().parents[2]
CORPUS = sorted([*REPO.glob("analyzer/**/*.py"), *REPO.glob("fixtures/shop_monolith/**/*.py")])


@pytest.mark.parametrize("chunk", range(4))
def test_libcst_route_gives_the_same_facts_as_ast(chunk):
    """Both routes on every file both can read; the libcst route re-quotes every f-string."""
    files = CORPUS[chunk::4]
    assert files
    for path in files:
        source = path.read_bytes()
        rel = path.relative_to(REPO).as_posix()
        module = rel[:-3].replace("/", ".")
        plain = extract_facts(rel, module, False, source)
        via_libcst = extract_facts(rel, module, False, source, force_libcst=True)
        assert plain.parser == "ast" and via_libcst.parser == "libcst", rel
        assert _comparable(plain) == _comparable(via_libcst), rel


def test_error_after_new_syntax_is_reported_where_libcst_stops():
    source = b"def first[T](x: T) -> T:\n    return x\n\n\n\ndef broken(:\n    pass\n"
    facts = extract_facts("shop/bad2.py", "shop.bad2", False, source)
    warning = facts.warnings[0]
    assert facts.parser == "none" and warning.kind == "parse_error"
    if sys.version_info < (3, 12):  # ast stops at line 1 (PEP 695), libcst at the real error
        # libcst's native parser reports the token after the bad `(:` (line 7, `pass`)
        assert warning.line == 7 and "line 1" in warning.message
