"""Raw SQL in strings given to execute/text/cursors/asyncpg/sqlite3, parsed with sqlglot."""

from __future__ import annotations

from analyzer.parse.sql_tables import analyse_sql, looks_like_sql


def sql_by_line(facts):
    return {s.line: s for s in facts.sql}


def test_text_cursor_asyncpg_sqlite_and_module_constants(extract, line):
    source = """
        import sqlite3
        from sqlalchemy import text

        STOCK_SQL = '''
            UPDATE inventory SET quantity = quantity - :qty
            WHERE product_id = :pid
        '''

        def report(session):
            return session.execute(text("SELECT o.id FROM orders o JOIN users u ON u.id = o.uid"))

        def reserve(session):
            session.execute(text(STOCK_SQL), {"qty": 1})

        def legacy(conn):
            cur = conn.cursor()
            cur.execute("INSERT INTO audit_log (msg) SELECT name FROM events WHERE id = %s", (1,))
            cur.executemany("DELETE FROM carts WHERE id = ?", [(1,)])

        async def fetch_user(pool, uid):
            row = await pool.fetchrow("SELECT * FROM users WHERE id = $1", uid)
            n = await pool.fetchval("select count(*) from payments")
            return row, n

        def local():
            db = sqlite3.connect("x.db")
            query = "SELECT * FROM " + "shipments"
            db.execute(query)
    """
    facts = extract(source)
    found = sql_by_line(facts)
    report = found[line(source, "def report") + 1]
    assert (report.scope, report.reads, report.writes) == \
        ("shop.services.report", ["orders", "users"], [])
    reserve = found[line(source, "def reserve") + 1]
    assert (reserve.writes, reserve.reads) == (["inventory"], [])
    insert = found[line(source, "INSERT INTO audit_log")]
    assert (insert.writes, insert.reads) == (["audit_log"], ["events"])
    assert found[line(source, "DELETE FROM carts")].writes == ["carts"]
    assert found[line(source, "SELECT * FROM users")].reads == ["users"]
    assert found[line(source, "from payments")].reads == ["payments"]
    assert found[line(source, "db.execute(query)")].reads == ["shipments"]
    accesses = {(a.scope.rpartition(".")[2], a.mode, a.table, a.operation)
                for a in facts.accesses}
    assert ("legacy", "write", "audit_log", "insert") in accesses
    assert ("legacy", "read", "events", "insert") in accesses
    assert ("reserve", "write", "inventory", "update") in accesses
    assert all(a.via == "raw_sql" for a in facts.accesses)


def test_fstrings_format_and_percent_templates(extract):
    facts = extract("""
        def run(cursor, table, ids, limit):
            cursor.execute(f"SELECT * FROM orders WHERE id IN ({ids}) LIMIT {limit}")
            cursor.execute(f"DELETE FROM {table} WHERE id = 1")
            cursor.execute("UPDATE payments SET state = '{}' WHERE id = {}".format("x", 1))
            cursor.execute("SELECT * FROM refunds WHERE id = %s" % ids)
    """)
    sql = facts.sql
    assert sql[0].sql == "SELECT * FROM orders WHERE id IN (__p1__) LIMIT __p2__"
    assert sql[0].reads == ["orders"] and sql[0].error is None
    assert sql[1].writes == []  # the table is a placeholder: unknown, not "__p1__"
    assert sql[2].writes == ["payments"]
    assert sql[3].reads == ["refunds"]


def test_cte_names_are_not_tables_and_case_folding(extract):
    facts = extract('''
        def f(session):
            session.execute("""
                WITH recent AS (SELECT * FROM Orders WHERE created > now())
                INSERT INTO "ArchivedOrders" SELECT * FROM recent
            """)
    ''')
    sql = facts.sql[0]
    assert (sql.reads, sql.writes) == (["orders"], ["ArchivedOrders"])


def test_unparseable_sql_is_reported_and_analysis_goes_on(extract, line):
    source = """
        def broken(cursor):
            cursor.execute("SELECT FROM WHERE (((")
            cursor.execute("SELECT id FROM users")
    """
    facts = extract(source)
    bad, good = facts.sql
    assert bad.error and bad.reads == []
    warning = next(w for w in facts.warnings if w.kind == "sql_parse_error")
    assert warning.line == line(source, "(((")
    assert good.reads == ["users"] and good.error is None


def test_non_sql_strings_are_ignored(extract):
    facts = extract("""
        def f(cache, redis):
            cache.execute("flush everything")
            redis.execute("GET", "key")
            print("select your size")
    """)
    assert facts.sql == []


def test_looks_like_sql_and_dialects():
    assert looks_like_sql("  -- comment\n  /* x */ select 1")
    assert not looks_like_sql("selection of items")
    mysql = analyse_sql("REPLACE INTO `stock` (id) VALUES (1)")
    assert mysql.writes == ("stock",) and mysql.error is None
    assert analyse_sql("TRUNCATE orders, users").writes == ("orders", "users")
    assert analyse_sql("UPDATE stock SET q = 1 FROM orders WHERE orders.id = stock.oid").reads \
        == ("orders",)
