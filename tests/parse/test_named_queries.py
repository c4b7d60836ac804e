"""Named queries of .sql files (aiosql, pugsql): one pseudo-function each, with its tables."""

from __future__ import annotations

from analyzer.parse import extract_facts

QUERIES = b"""-- name: get-user-by-email^
-- The user with this e-mail, if any.
SELECT id, username
FROM users  -- trailing comment; not a statement end
WHERE email = :email
LIMIT 1;


-- name: add-article-to-favorites!
INSERT INTO favorites (user_id, article_id)
VALUES ((SELECT id FROM users WHERE username = :username),
        (SELECT id FROM articles WHERE slug = :slug))
ON CONFLICT DO NOTHING;

-- name: create-new-tags*!
INSERT INTO tags (tag) VALUES (:tag) ON CONFLICT DO NOTHING;

-- name: create_schema#
CREATE TABLE audit (id SERIAL PRIMARY KEY, note TEXT);

-- name: broken^
SELECT FROM WHERE;
"""

PUGSQL = b"""-- :name find_order :one
select * from orders where id = :id

-- :name cancel_order :affected
update orders set status = 'cancelled' where id = :id
"""


def test_aiosql_queries_become_functions_with_their_tables():
    facts = extract_facts("app/db/sql/users.sql", "app.db.sql.users", False, QUERIES,
                          kind="sql")
    definitions = {d.qualname.rpartition(".")[2]: d for d in facts.definitions}
    assert list(definitions) == ["get_user_by_email", "add_article_to_favorites",
                                 "create_new_tags", "create_schema", "broken"]
    get_user = definitions["get_user_by_email"]
    assert (get_user.kind, get_user.line, get_user.end_line, get_user.docstring,
            get_user.returns_value) == ("function", 1, 6, "The user with this e-mail, if any.",
                                        True)
    assert definitions["add_article_to_favorites"].returns_value is False
    assert definitions["create_new_tags"].returns_value is False
    accesses = {(a.scope.rpartition(".")[2], a.table, a.mode, a.line, a.via)
                for a in facts.accesses}
    assert accesses == {
        ("get_user_by_email", "users", "read", 3, "raw_sql"),
        ("add_article_to_favorites", "favorites", "write", 10, "raw_sql"),
        ("add_article_to_favorites", "users", "read", 10, "raw_sql"),
        ("add_article_to_favorites", "articles", "read", 10, "raw_sql"),
        ("create_new_tags", "tags", "write", 16, "raw_sql"),
    }
    # the DDL query still declares its table; the unparseable one is reported with its line
    assert [m.table for m in facts.models] == ["audit"]
    warning = next(w for w in facts.warnings if w.kind == "sql_parse_error")
    assert warning.line == 22 and "broken" in warning.message


def test_pugsql_queries():
    facts = extract_facts("queries/orders.sql", "queries.orders", False, PUGSQL, kind="sql")
    assert [(d.qualname, d.returns_value) for d in facts.definitions] == [
        ("queries.orders.find_order", True), ("queries.orders.cancel_order", False)]
    assert {(a.scope, a.table, a.mode) for a in facts.accesses} == {
        ("queries.orders.find_order", "orders", "read"),
        ("queries.orders.cancel_order", "orders", "write")}


def test_plain_ddl_has_no_query_functions():
    facts = extract_facts("schema.sql", "schema", False,
                          b"CREATE TABLE t (id INT);\nINSERT INTO t VALUES (1);\n", kind="sql")
    assert facts.definitions == [] and facts.accesses == []
    assert [m.table for m in facts.models] == ["t"]
