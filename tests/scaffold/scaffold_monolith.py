"""The shop monolith itself, run by the tests that need its database (the data
migration's source): the tests run it; the analyser never does."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
from scaffold_processes import create_database, drop_database
from scaffold_rabbit import free_port

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "shop_monolith"


class Monolith:
    """The shop monolith itself, served by uvicorn on a database of its own (what the data
    migration reads). The test runs it; the analyser never does."""

    def __init__(self, tmp: Path) -> None:
        self.database = f"monolith_{uuid.uuid4().hex[:8]}"
        self.port = free_port()
        self.log = tmp / "monolith.log"
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def database_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:5432/{self.database}"

    def start(self) -> None:
        create_database(self.database)
        env = {**os.environ, "PORT": str(self.port), "SHOP_PBKDF2_ITERATIONS": "1000",
               "DATABASE_URL": self.database_url.replace("postgresql:", "postgresql+psycopg:"),
               "SHOP_ADMIN_EMAIL": ADMIN[0], "SHOP_ADMIN_PASSWORD": ADMIN[1]}
        with self.log.open("ab") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "shop"], cwd=FIXTURE,
                                            env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError(self.log.read_text())

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        drop_database(self.database)


ADMIN = ("admin@example.com", "admin-passw0rd")
