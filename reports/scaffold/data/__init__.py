"""Data migration: each generated service gets a script that copies its tables from the
monolith's database into its own schema, keys preserved (``render_data_migration``)."""

from reports.scaffold.data.render import copy_order, render_data_migration

__all__ = ["copy_order", "render_data_migration"]
