"""Write ``app/data_migration.py`` into every generated service.

The script copies the service's tables from the monolith's database into the service's
schema: rows keep their keys (plain ids of other services' rows stay valid), parents are
copied before the rows that reference them, a rerun skips the rows already there (so an
interrupted copy is finished by running it again), the sequences move past the copied
keys, and every table's row count is compared at the end. Everything it knows comes from
the service blueprint: which monolith table and column each model column was made from.
"""

from __future__ import annotations

from pathlib import Path

from reports.scaffold.blueprint import EntitySpec, ServiceBlueprint
from reports.scaffold.pysource import Imports, call, py_str
from reports.scaffold.templating import code_templates, write_generated

TEMPLATES = Path(__file__).parent / "templates"
MODULE = "app/data_migration.py"


def copy_order(bp: ServiceBlueprint) -> list[EntitySpec]:
    """The service's tables, each after the tables its in-service foreign keys reference
    (a key in a cycle, added after both tables exist, does not order them)."""
    by_table = {e.table: e for e in bp.entities}
    ordered: list[EntitySpec] = []
    visiting: set[str] = set()

    def visit(entity: EntitySpec) -> None:
        if entity in ordered or entity.table in visiting:
            return
        visiting.add(entity.table)
        parents = [f.target[0] for f in entity.fields
                   if f.target is not None and not f.use_alter]
        parents += [by_table[fk.ref_table] for fk in entity.composite_fks
                    if fk.ref_table in by_table]
        for parent in parents:
            if parent is not entity:
                visit(parent)
        visiting.discard(entity.table)
        ordered.append(entity)

    for entity in bp.entities:
        visit(entity)
    return ordered


def render_data_migration(blueprints: list[ServiceBlueprint], out_dir: Path) -> list[Path]:
    env = code_templates(TEMPLATES)
    env.filters["pystr"] = py_str
    env.globals["call"] = call
    template = env.get_template("services/{service}/app/data_migration.py.j2")
    written: list[Path] = []
    for bp in blueprints:
        if not bp.entities:
            continue
        text = template.render(bp=bp, entities=copy_order(bp), imports=_imports(bp))
        written.append(write_generated(out_dir / "services" / bp.slug / MODULE, text))
    return written


def _imports(bp: ServiceBlueprint) -> str:
    imports = Imports().add("argparse").add("asyncio").add("sys")
    imports.add("collections.abc", "Sequence").add("dataclasses", "dataclass")
    imports.add("sqlalchemy", "MetaData", "Table", "func", "select", "text")
    imports.add("sqlalchemy.dialects.postgresql", "insert")
    imports.add("sqlalchemy.engine", "make_url")
    imports.add("sqlalchemy.ext.asyncio", "AsyncConnection", "create_async_engine")
    imports.add("app.core.config", "get_settings")
    imports.add("app.core.db", "Base", "create_engine")
    imports.add("app.models", *(e.class_name for e in bp.entities))
    return imports.render()
