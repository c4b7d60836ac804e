"""RabbitMQ for the scaffold tests: a queue bound to a service's events exchange, and a TCP
proxy between a service and the broker whose link the tests can cut and restore.

The machine's RabbitMQ is shared and is never stopped; an outage is the proxy going away.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aio_pika
from migration_proof import delete_queues

__all__ = ["delete_queues"]  # the migration proof's cleanup, shared with the tests

RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672/"


@dataclass(frozen=True)
class Event:
    routing_key: str
    type: str | None
    correlation_id: str | None
    message_id: str | None
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


async def _bind(exchange: str, queue_name: str, keys: list[str]) -> None:
    connection = await aio_pika.connect(RABBITMQ_URL)
    async with connection:
        channel = await connection.channel()
        topic = await channel.declare_exchange(exchange, aio_pika.ExchangeType.TOPIC, durable=True)
        queue = await channel.declare_queue(queue_name, auto_delete=False)
        for key in keys:
            await queue.bind(topic, routing_key=key)


async def _drain(queue_name: str) -> list[Event]:
    connection = await aio_pika.connect(RABBITMQ_URL)
    events: list[Event] = []
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(queue_name, auto_delete=False)
        while (message := await queue.get(no_ack=True, fail=False)) is not None:
            headers = {key: value.decode() if isinstance(value, bytes) else str(value)
                       for key, value in (message.headers or {}).items()}
            events.append(Event(message.routing_key or "", message.type, message.correlation_id,
                                message.message_id, json.loads(message.body), headers))
    return events


async def _delete(queue_name: str | None, exchange: str | None) -> None:
    connection = await aio_pika.connect(RABBITMQ_URL)
    async with connection:
        channel = await connection.channel()
        if queue_name:
            await channel.queue_delete(queue_name)
        if exchange:
            await channel.exchange_delete(exchange)


class EventQueue:
    """A queue bound to ``exchange`` that collects what the services publish."""

    def __init__(self, exchange: str, keys: list[str]) -> None:
        self.exchange = exchange
        self.name = f"scaffold-test-{uuid.uuid4().hex[:10]}"
        self.received: list[Event] = []
        asyncio.run(_bind(exchange, self.name, keys))

    def wait_for(self, matches: Callable[[Event], bool], *, count: int = 1,
                 timeout: float = 20.0) -> list[Event]:
        """The first ``count`` events that match, waiting for them up to ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            self.received += asyncio.run(_drain(self.name))
            found = [e for e in self.received if matches(e)]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.2)

    def close(self, *, delete_exchange: bool = False) -> None:
        asyncio.run(_delete(self.name, self.exchange if delete_exchange else None))


class PrivateRabbit:
    """A RabbitMQ node of the test's own (its own port, data directory and node name),
    so that a test can stop and restart a broker without touching the machine's shared
    one. Started with Debian's ``rabbitmq-server``, which runs it as the rabbitmq user."""

    def __init__(self) -> None:
        # Not under pytest's tmp_path: the rabbitmq user must be able to reach it.
        base = Path(tempfile.mkdtemp(prefix="strangler-rabbit-"))
        self.port = free_port()
        self.dist_port = free_port()
        self.node = f"strangler-{uuid.uuid4().hex[:8]}@localhost"
        self.base = base
        self.url = f"amqp://guest:guest@127.0.0.1:{self.port}/"
        for sub in ("mnesia", "log"):
            (base / sub).mkdir(parents=True, exist_ok=True)
        (base / "enabled_plugins").write_text("[].\n")
        (base / "rabbitmq.conf").write_text(
            f"listeners.tcp.1 = 127.0.0.1:{self.port}\n")
        shutil.chown(base, "rabbitmq", "rabbitmq")
        for path in base.rglob("*"):
            shutil.chown(path, "rabbitmq", "rabbitmq")

    def _env(self) -> dict[str, str]:
        return {**os.environ, "RABBITMQ_NODENAME": self.node,
                "RABBITMQ_DIST_PORT": str(self.dist_port),
                "RABBITMQ_CONFIG_FILE": str(self.base / "rabbitmq.conf"),
                "RABBITMQ_MNESIA_BASE": str(self.base / "mnesia"),
                "RABBITMQ_LOG_BASE": str(self.base / "log"),
                "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.base / "enabled_plugins")}

    def start(self, timeout: float = 60.0) -> None:
        subprocess.run(["rabbitmq-server", "-detached"], env=self._env(), check=True,
                       capture_output=True, timeout=30)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.2)
        log = next(iter((self.base / "log").glob("*.log")), None)
        raise AssertionError(f"private RabbitMQ did not start: {log.read_text() if log else ''}")

    def stop(self) -> None:
        subprocess.run(["rabbitmqctl", "-n", self.node, "stop"], env=self._env(),
                       capture_output=True, timeout=60)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) != 0:
                    return
            time.sleep(0.2)

    def __enter__(self) -> PrivateRabbit:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
        shutil.rmtree(self.base, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a target, in a thread; ``cut`` closes the listener and
    every open link (the broker is "down"), ``restore`` listens again on the same port."""

    def __init__(self, target_host: str = "127.0.0.1", target_port: int = 5672) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    def __enter__(self) -> TcpProxy:
        self._thread.start()
        self.restore()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.cut()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    def _run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)

    def restore(self) -> None:
        self._run(self._listen())

    def cut(self) -> None:
        self._run(self._close())

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._link, "127.0.0.1", self.port,
                                                  reuse_address=True)

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def _link(self, client_reader: asyncio.StreamReader,
                    client_writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.transport.abort()
            return
        self._writers |= {client_writer, upstream_writer}
        await asyncio.gather(self._pipe(client_reader, upstream_writer),
                             self._pipe(upstream_reader, client_writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self._writers.discard(writer)
            writer.transport.abort()
