"""Throughput and latency of an authenticated program listing against a bare endpoint.

    python bench/api_throughput.py [--postgres URL] [--clients 50] [--duration 5]

Creates a throw-away PostgreSQL database with 1,000 programs, serves OpenCMC with uvicorn
(one process) and times ``GET /api/v1/programs?limit=50`` with a bearer token under
``--clients`` concurrent keep-alive connections; then serves the very same JSON bytes from
a bare Starlette endpoint with the same server settings and times that. Prints requests
per second and p50/p99 latency side by side and their ratio. The load generator is a
small asyncio HTTP/1.1 client in this process, so both servers meet the same client.

OpenCMC is timed as it is deployed: its read cache on (the default), so repeated reads
are answered from memory while PostgreSQL's change notifications say nothing they
depend on has changed. It is timed once more with ``OPENCMC_READ_CACHE=false``, every
read going to the database, and that line is printed too (``--no-uncached`` skips it).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg

BARE_APP = """
import os
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

BODY = open(os.environ["BENCH_BODY"], "rb").read()

async def programs(request):
    return Response(BODY, media_type="application/json")

app = Starlette(routes=[Route("/api/v1/programs", programs)])
"""


@dataclass(frozen=True)
class Load:
    requests: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _client(port: int, request: bytes, stop_at: float, latencies: list[float]) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    done = 0
    try:
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(f"unexpected response: {head[:80]!r}")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            await reader.readexactly(length)
            latencies.append((time.perf_counter() - started) * 1000)
            done += 1
    finally:
        writer.close()
    return done


async def _load(
    port: int, path: str, headers: dict[str, str], clients: int, seconds: float
) -> Load:
    lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    latencies: list[float] = []
    started = time.perf_counter()
    counts = await asyncio.gather(
        *(_client(port, request, started + seconds, latencies) for _ in range(clients))
    )
    return Load(sum(counts), time.perf_counter() - started, latencies)


def measure(port: int, path: str, headers: dict[str, str], clients: int, seconds: float) -> Load:
    asyncio.run(_load(port, path, headers, clients, 1.0))  # warm up: pools, caches
    return asyncio.run(_load(port, path, headers, clients, seconds))


def serve(app: str, port: int, env: dict[str, str], cwd: Path | None = None) -> subprocess.Popen:
    command = [sys.executable, "-m", "uvicorn", app, "--port", str(port), "--log-level",
               "warning", "--no-access-log"]  # fmt: skip
    process = subprocess.Popen(
        command, env={**os.environ, **env}, cwd=cwd,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=0.5)
            return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{app} did not start")


def seed(url: str, programs: int) -> str:
    """Migrate, create a sponsor with a user and ``programs`` programs; return a token."""
    from opencmc.platform import accounts, migrate
    from opencmc.platform import programs as workflow
    from opencmc.platform.db import create_db_engine, make_session_factory
    from opencmc.platform.uow import UnitOfWork

    engine = create_db_engine(url)
    migrate.upgrade(engine)
    factory = make_session_factory(engine)
    with UnitOfWork(factory, None, system=True) as uow:
        org = accounts.create_organisation(uow, "Bench Bio", "sponsor")
        user = accounts.create_user(uow, email="bench@example.org", full_name="Bench",
                                    password="bench passphrase", organisation=org,
                                    role="scientist")  # fmt: skip
        uow.commit()
        actor = accounts.actor_for(uow.session, user)
    with UnitOfWork(factory, actor) as uow:
        for number in range(programs):
            workflow.create_program(uow, {
                "name": f"Program {number:04d}", "modality": "monoclonal_antibody",
                "current_stage": "candidate_optimisation", "target_milestone": "phase_1",
                "description": "benchmark program"})  # fmt: skip
        _, token = accounts.create_token(uow, "bench")
        uow.commit()
    engine.dispose()
    return token


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--programs", type=int, default=1000)
    parser.add_argument("--no-uncached", dest="uncached", action="store_false",
                        help="skip timing OpenCMC with its read cache off")  # fmt: skip
    args = parser.parse_args()

    name = f"opencmc_bench_{uuid.uuid4().hex[:8]}"
    base = args.postgres.rsplit("/", 1)[0]
    with psycopg.connect(args.postgres, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = base.replace("postgresql://", "postgresql+psycopg://", 1) + f"/{name}"
    processes: list[subprocess.Popen] = []
    try:
        token = seed(url, args.programs)
        workdir = Path(tempfile.mkdtemp(prefix="opencmc-bench-"))
        env = {"OPENCMC_DATABASE_URL": url, "OPENCMC_DATA_DIR": str(workdir),
               "OPENCMC_SECRET_KEY": "bench-secret-" + "x" * 32}  # fmt: skip
        path = "/api/v1/programs?limit=50&offset=0"
        headers = {"Authorization": f"Bearer {token}"}

        port = free_port()
        processes.append(serve("opencmc.web.asgi:app", port, env))
        body = httpx.get(f"http://127.0.0.1:{port}{path}", headers=headers).content
        assert body.count(b'"id"') == 50, "the listing should hold 50 programs"
        opencmc = measure(port, path, headers, args.clients, args.duration)
        processes.pop().terminate()
        uncached = None
        if args.uncached:
            port = free_port()
            processes.append(serve("opencmc.web.asgi:app", port,
                                   {**env, "OPENCMC_READ_CACHE": "false"}))  # fmt: skip
            again = httpx.get(f"http://127.0.0.1:{port}{path}", headers=headers).content
            assert again == body, "the cached and the uncached server must answer alike"
            uncached = measure(port, path, headers, args.clients, args.duration)
            processes.pop().terminate()

        (workdir / "body.json").write_bytes(body)
        (workdir / "bare_app.py").write_text(BARE_APP)
        port = free_port()
        processes.append(serve("bare_app:app", port, {"BENCH_BODY": str(workdir / "body.json")},
                               cwd=workdir))  # fmt: skip
        bare = measure(port, path, {}, args.clients, args.duration)
    finally:
        for process in processes:
            process.terminate()
        with psycopg.connect(args.postgres, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    print(f"GET {path}: {len(body)} bytes, {args.clients} clients, {args.duration:.0f} s each")
    print(f"{'':28}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    rows = [("OpenCMC (PostgreSQL, token)", opencmc), ("bare Starlette", bare)]
    if uncached is not None:
        rows.append(("OpenCMC, read cache off", uncached))
    for label, load in rows:
        print(f"{label:28}{load.rps:10.0f}{load.percentile(0.5):10.2f}"
              f"{load.percentile(0.99):10.2f}")  # fmt: skip
    ratio = opencmc.rps / bare.rps
    print(f"ratio (OpenCMC / bare): {ratio:.1%} of the bare throughput (target: at least 40%)")
    if uncached is not None:
        print(f"with the read cache off, every read from PostgreSQL: {uncached.rps / bare.rps:.1%}")


if __name__ == "__main__":
    main()
