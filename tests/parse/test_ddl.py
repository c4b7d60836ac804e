"""SQL DDL files: CREATE TABLE/INDEX and ALTER TABLE foreign keys as ModelFact(orm="ddl")."""

from __future__ import annotations

from analyzer.parse import extract_facts

SCHEMA = b"""-- shop schema
CREATE TABLE users (
    id SERIAL PRIMARY KEY,
    email VARCHAR(255) NOT NULL UNIQUE
);

/* orders; with a semicolon in a comment */
CREATE TABLE IF NOT EXISTS orders (
    id BIGSERIAL,
    user_id INTEGER NOT NULL REFERENCES users(id),
    total NUMERIC(10, 2) DEFAULT 0,
    note TEXT,
    status order_status,
    PRIMARY KEY (id),
    CONSTRAINT fk_coupon FOREIGN KEY (coupon_id) REFERENCES coupons (id)
);

CREATE UNIQUE INDEX ix_orders_user ON orders (user_id, status);
CREATE FUNCTION touch() RETURNS trigger AS $$ BEGIN NEW.x = 1; RETURN NEW; END; $$
    LANGUAGE plpgsql;
ALTER TABLE payments ADD CONSTRAINT fk_order FOREIGN KEY (order_id) REFERENCES orders (id);
CREATE TABLE broken (id INT NOT NOT NULL));
"""


def test_ddl_tables_keys_indexes(line):
    facts = extract_facts("db/schema.sql", "db.schema", False, SCHEMA, kind="sql")
    models = {m.table: m for m in facts.models}
    assert set(models) == {"users", "orders", "payments"}
    users = models["users"]
    assert (users.orm, users.qualname, users.line, users.end_line) == \
        ("ddl", "db.schema.users", 2, 5)
    cols = {c.name: c for c in users.columns}
    assert cols["id"].primary_key and not cols["id"].nullable
    assert (cols["email"].type, cols["email"].length, cols["email"].unique,
            cols["email"].nullable) == ("string", 255, True, False)
    orders = models["orders"]
    assert orders.line == line(SCHEMA.decode(), "CREATE TABLE IF NOT EXISTS orders")
    cols = {c.name: c for c in orders.columns}
    assert (cols["id"].type, cols["id"].primary_key) == ("bigint", True)
    assert cols["user_id"].foreign_key == "users.id"
    assert (cols["total"].precision, cols["total"].scale, cols["total"].default) == (10, 2, "0")
    assert cols["status"].type == "order_status"
    fks = {tuple(f.columns): (f.ref_table, f.ref_columns) for f in orders.foreign_keys}
    assert fks == {("user_id",): ("users", ["id"]), ("coupon_id",): ("coupons", ["id"])}
    assert [(i.name, i.columns, i.unique) for i in orders.indexes] == \
        [("ix_orders_user", ["user_id", "status"], True)]
    payments = models["payments"]
    assert [(f.columns, f.ref_table) for f in payments.foreign_keys] == \
        [(["order_id"], "orders")]
    warning = next(w for w in facts.warnings if w.kind == "sql_parse_error")
    assert warning.line == line(SCHEMA.decode(), "CREATE TABLE broken")
    assert "broken" in warning.message
