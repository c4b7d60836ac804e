"""Checkout throughput and latency: the shop monolith next to the system ``strangler
scaffold`` made of it (through its nginx gateway), measured in the same run on this machine.

Both get the same data through their own API (an admin, products with plenty of stock,
buyers), then ``--workers`` threads place checkouts (one line, a good card) for
``--seconds`` each after a warm-up. Prints checkouts per second, p50 and p99 latency and
the errors of each, and the system's figures as ratios of the monolith's.

    .venv/bin/python benchmarks/bench_checkout.py [--workers 8] [--seconds 20]
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from migration_proof import (  # noqa: E402
    ADMIN,
    _admin_sql,
    migrated_system,
    monolith,
    proof_env,
)

GOOD_CARD = "4242424242424242"


@dataclass
class Run:
    name: str
    latencies: list[float] = field(default_factory=list)  # seconds, successful checkouts
    errors: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] if self.latencies else float("nan")
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[int(q) - 1]


def _ok(response: httpx.Response, *codes: int) -> dict:
    if response.status_code not in codes:
        raise RuntimeError(f"{response.request.method} {response.request.url}: "
                           f"{response.status_code} {response.text[:300]}")
    return response.json()


def prepare(base_url: str, products: int, buyers: int) -> tuple[list[int], list[str]]:
    """Products with plenty of stock and logged-in buyers with an address, through the
    API of whatever answers at ``base_url``."""
    with httpx.Client(base_url=base_url, timeout=30) as client:
        admin = _ok(client.post("/api/users/login",
                                json={"email": ADMIN[0], "password": ADMIN[1]}), 200)
        headers = {"Authorization": f"Bearer {admin['access_token']}"}
        ids = [_ok(client.post("/api/catalog/products", headers=headers, json={
            "name": f"Bench-{uuid.uuid4().hex[:8]}", "price": "5.00",
            "initial_stock": 1_000_000}), 201)["id"] for _ in range(products)]
        tokens: list[str] = []
        for _ in range(buyers):
            email = f"bench-{uuid.uuid4().hex[:10]}@example.com"
            _ok(client.post("/api/users/register", json={
                "email": email, "password": "s3cret-passw0rd", "full_name": "Bench"}), 201)
            token = _ok(client.post("/api/users/login", json={
                "email": email, "password": "s3cret-passw0rd"}), 200)["access_token"]
            _ok(client.post("/api/users/me/addresses", headers={
                "Authorization": f"Bearer {token}"}, json={
                "recipient_name": "Bench", "line1": "1 Bench Street", "city": "Berlin",
                "postal_code": "10115", "country": "DE", "is_default": True}), 201)
            tokens.append(token)
        return ids, tokens


def measure(name: str, base_url: str, products: list[int], tokens: list[str], *,
            workers: int, seconds: float, warmup: float) -> Run:
    run = Run(name)
    lock = threading.Lock()
    start = time.monotonic()
    measured_from, until = start + warmup, start + warmup + seconds

    def work(index: int) -> None:
        token = tokens[index % len(tokens)]
        rng = random.Random(index)
        with httpx.Client(base_url=base_url, timeout=60,
                          headers={"Authorization": f"Bearer {token}"}) as client:
            while (now := time.monotonic()) < until:
                body = {"items": [{"product_id": rng.choice(products), "quantity": 1}],
                        "card_number": GOOD_CARD}
                try:
                    response = client.post("/api/orders", json=body)
                    outcome = "ok" if response.status_code in (200, 201, 202) \
                        else str(response.status_code)
                except httpx.HTTPError as exc:
                    outcome = type(exc).__name__
                elapsed = time.monotonic() - now
                if now < measured_from:
                    continue
                with lock:
                    if outcome == "ok":
                        run.latencies.append(elapsed)
                    else:
                        run.errors[outcome] = run.errors.get(outcome, 0) + 1

    threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run.seconds = seconds
    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--products", type=int, default=20)
    parser.add_argument("--buyers", type=int, default=8)
    args = parser.parse_args()
    env = proof_env()
    out = Path(tempfile.mkdtemp(prefix="strangler-bench-"))
    database = f"bench_monolith_{uuid.uuid4().hex[:8]}"
    runs: list[Run] = []
    try:
        _admin_sql(f'CREATE DATABASE "{database}"')
        with monolith(database, env, out / "monolith.log") as url:
            products, tokens = prepare(url, args.products, args.buyers)
            runs.append(measure("monolith", url, products, tokens, workers=args.workers,
                                seconds=args.seconds, warmup=args.warmup))
        with migrated_system(out, env) as system:
            products, tokens = prepare(system.base_url, args.products, args.buyers)
            runs.append(measure("services via gateway", system.base_url, products, tokens,
                                workers=args.workers, seconds=args.seconds,
                                warmup=args.warmup))
    finally:
        _admin_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        shutil.rmtree(out, ignore_errors=True)
    print(f"\ncheckout, {args.workers} concurrent clients, {args.seconds:.0f} s each "
          f"after {args.warmup:.0f} s warm-up, same machine, same run")
    print(f"{'':22} {'checkouts/s':>12} {'p50 ms':>9} {'p99 ms':>9} {'ok':>7}  errors")
    for run in runs:
        print(f"{run.name:22} {run.throughput:12.1f} {run.percentile(50) * 1000:9.1f} "
              f"{run.percentile(99) * 1000:9.1f} {len(run.latencies):7d}  "
              f"{run.errors or '-'}")
    base, system_run = runs
    if base.throughput and system_run.latencies:
        print(f"{'ratio (services/monolith)':22} {system_run.throughput / base.throughput:12.2f} "
              f"{system_run.percentile(50) / base.percentile(50):9.2f} "
              f"{system_run.percentile(99) / base.percentile(99):9.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
