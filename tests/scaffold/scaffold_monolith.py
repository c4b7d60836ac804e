"""The shop monolith itself, run by the tests that need its database (the data
migration's source): the tests run it; the analyser never does. The same runner as the
migration proof's (scripts/migration_proof.py ``monolith``)."""

from __future__ import annotations

import os
import uuid
from contextlib import ExitStack
from pathlib import Path

from migration_proof import ADMIN, FIXTURE, monolith
from scaffold_processes import create_database, drop_database

__all__ = ["ADMIN", "FIXTURE", "Monolith"]


class Monolith:
    """The shop monolith on a database of its own, with its admin (``ADMIN``)."""

    def __init__(self, tmp: Path) -> None:
        self.database = f"monolith_{uuid.uuid4().hex[:8]}"
        self.log = tmp / "monolith.log"
        self.url = ""
        self._running = ExitStack()

    @property
    def database_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:5432/{self.database}"

    def start(self) -> None:
        create_database(self.database)
        env = {**os.environ, "SHOP_PBKDF2_ITERATIONS": "1000",
               "SHOP_ADMIN_EMAIL": ADMIN[0], "SHOP_ADMIN_PASSWORD": ADMIN[1]}
        self.url = self._running.enter_context(monolith(self.database, env, self.log))

    def stop(self) -> None:
        self._running.close()
        drop_database(self.database)
