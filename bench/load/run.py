"""Load benchmark: N simulated candidates at once against the server as `make run` starts it,
and a bare FastAPI endpoint served the same way, in the same run.

    .venv/bin/python bench/load/run.py [--candidates 50] [--saves 20] [--think 1] [--timeout 300]
        [--database-url postgresql+psycopg://...] [--instances N] [--group-commit auto|on|off]

Loopback only, bounded in requests (every phase has a fixed count) and in time (--timeout).
Exit status 1 when a target is missed or a request fails. See bench/load/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from prodserver_bench import free_port, wait_healthy  # noqa: E402

QID = "introversion_extraversion"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status")
    if not status.exists():
        raise RuntimeError("the server has exited; see its log")
    for line in status.read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Response:
    def __init__(self, status_code: int, text: str) -> None:
        self.status_code, self.text = status_code, text


class RawClient:
    """A deliberately light HTTP/1.1 keep-alive client on one asyncio stream: the client runs on
    the same 2 cores as the server, and a full client's per-request work (httpx) is taken from
    the server being measured. Only what these requests need: no TLS, no cookies,
    no redirects; Content-Length or chunked bodies."""

    def __init__(self, url: str) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.host, self.port = host, int(port)
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes = b"", ctype: str = "") -> Response:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
        if body or method == "POST":
            head += f"Content-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
        self.writer.write(head.encode() + b"\r\n" + body)
        await self.writer.drain()
        status_line = await self.reader.readuntil(b"\r\n")
        headers: dict[str, str] = {}
        while (line := await self.reader.readuntil(b"\r\n")) != b"\r\n":
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding") == "chunked":
            data = b""
            while size := int((await self.reader.readuntil(b"\r\n")).strip(), 16):
                data += (await self.reader.readexactly(size + 2))[:-2]
            await self.reader.readuntil(b"\r\n")
        else:
            data = await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection") == "close":
            await self.aclose()
        return Response(int(status_line.split()[1]), data.decode("utf-8", "replace"))

    async def get(self, path: str) -> Response:
        return await self.request("GET", path)

    async def post(self, path: str, *, json_body: object = None, data: dict | None = None):
        if data is not None:
            return await self.request(
                "POST", path, urlencode(data).encode(), "application/x-www-form-urlencoded"
            )
        return await self.request("POST", path, json.dumps(json_body).encode(), "application/json")

    async def aclose(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = self.reader = None


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (``/proc/<pid>/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Stats:
    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []

    async def timed(self, kind: str, call) -> Response:
        start = time.perf_counter()
        r = await call
        self.latencies[kind].append(time.perf_counter() - start)
        return r


def empty_database(url: str) -> None:
    """A PostgreSQL database as new: every table of an earlier run goes."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


def seed(data_dir: Path, count: int, base_url: str, database_url: str) -> list[str]:
    """Migrate and load demo data like `make run`, then ``count`` invitations (the tokens)."""
    from sqlmodel import Session, select

    from app.config import Settings
    from app.db import make_engine
    from app.invitations.invite import invite_candidate
    from app.migrations import upgrade
    from app.models import Vacancy

    env = {**os.environ, "DATA_DIR": str(data_dir), "BASE_URL": base_url}
    if database_url:
        empty_database(database_url)
        env["DATABASE_URL"] = database_url
    for cmd in (["migrate"], ["demo"]):
        subprocess.run(
            [sys.executable, "-m", "app", *cmd], cwd=ROOT, env=env, check=True, capture_output=True
        )
    settings = Settings(
        data_dir=data_dir, base_url=base_url, database_url=database_url, _env_file=None
    )
    upgrade(settings.db_url)
    engine = make_engine(settings.db_url)
    tokens = []
    with Session(engine) as session:
        vacancy = session.exec(select(Vacancy)).first()
        assert vacancy is not None
        vacancy.questionnaire_ids = [QID]
        session.add(vacancy)
        for n in range(count):
            new = invite_candidate(
                session,
                settings=settings,
                vacancy=vacancy,
                name=f"Load {n}",
                email=None,
                language="en",
            )
            tokens.append(new.link.rsplit("/", 1)[1])
        session.commit()
    engine.dispose()
    return tokens


class Paced:
    """Wraps ``Stats`` so a candidate thinks before each request: ``think`` seconds on average
    (uniform between half and one and a half times it). 0 means back to back."""

    def __init__(self, stats: Stats, think: float, rng: random.Random) -> None:
        self.stats, self.think, self.rng = stats, think, rng

    async def timed(self, kind: str, call) -> Response:
        if self.think:
            await asyncio.sleep(self.rng.uniform(0.5, 1.5) * self.think)
        return await self.stats.timed(kind, call)

    @property
    def errors(self) -> list[str]:
        return self.stats.errors

    @property
    def latencies(self) -> dict[str, list[float]]:
        return self.stats.latencies


def also_as(stats: Stats | Paced, kind: str) -> None:
    """File the last page GET under ``kind`` too (welcome, question, done), so the report says
    which pages are the slow ones; the targets count every page GET together."""
    stats.latencies[kind].append(stats.latencies["page"][-1])


async def candidate_flow(client: RawClient, token: str, stats: Stats | Paced, q) -> None:
    base = f"/a/{token}"
    await stats.timed("page", client.get(base))
    also_as(stats, "page: welcome")
    r = await stats.timed("form", client.post(f"{base}/consent", data={"consent": "yes"}))
    if r.status_code != 303:
        stats.errors.append(f"consent {r.status_code}")
        return
    pages = q.pages()
    for n, ids in enumerate(pages, start=1):
        r = await stats.timed("page", client.get(f"{base}/q/{QID}/{n}"))
        also_as(stats, "page: question")
        if r.status_code != 200:
            stats.errors.append(f"page {r.status_code}")
        for item in ids:
            # As app.js sends it, with the browser's answer time.
            body = {"questionnaire": QID, "item": item, "value": 1 + (hash(item) % 2), "ms": 2500}
            r = await stats.timed("save", client.post(f"{base}/save", json_body=body))
            if r.status_code != 200:
                stats.errors.append(f"save {r.status_code} {r.text[:80]}")
        go = "review" if n == len(pages) else "next"
        data = {f"item-{i}": "1" for i in ids} | {"go": go}
        r = await stats.timed("form", client.post(f"{base}/q/{QID}/{n}", data=data))
        if r.status_code != 303:
            stats.errors.append(f"page post {r.status_code}")
    r = await stats.timed("finish", client.post(f"{base}/finish"))
    if r.status_code != 303:
        stats.errors.append(f"finish {r.status_code}")
    await stats.timed("page", client.get(f"{base}/done"))
    also_as(stats, "page: done")


async def storm(
    targets: list[tuple[str, str]], count: int, kind: str, stats: Stats, item: str
) -> float:
    """Each client (a server's URL and a path) sends ``count`` requests back to back; returns
    requests per second."""

    async def one(url: str, path: str) -> None:
        client = RawClient(url)
        try:
            for _ in range(count):
                if kind == "page":
                    r = await stats.timed(kind, client.get(path))
                else:
                    body = {"questionnaire": QID, "item": item, "value": 1, "ms": 2500}
                    r = await stats.timed(kind, client.post(path, json_body=body))
                if r.status_code != 200:
                    stats.errors.append(f"{kind} {r.status_code}")
        finally:
            await client.aclose()

    start = time.perf_counter()
    await asyncio.gather(*(one(u, p) for u, p in targets))
    return len(targets) * count / (time.perf_counter() - start)


def start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as fh:
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT)


def line(name: str, rps: float | None, lat: list[float]) -> str:
    rate = f"{rps:8.0f} req/s" if rps is not None else " " * 14
    p50, p99 = percentile(lat, 50) * 1000, percentile(lat, 99) * 1000
    return f"  {name:<28}{rate}  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  (n={len(lat)})"


async def main_async(args: argparse.Namespace) -> int:
    from questionnaires.loader import product_questionnaires

    q = product_questionnaires()[QID]
    n = args.candidates
    load_before = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    work = Path(tempfile.mkdtemp(prefix="rolefit-load-"))
    ports, bare_port = [free_port() for _ in range(args.instances)], free_port()
    urls, bare_url = [f"http://127.0.0.1:{p}" for p in ports], f"http://127.0.0.1:{bare_port}"
    tokens = seed(work / "data", 3 * n, urls[0], args.database_url)
    # As `make run` serves (rolefit serve, SQLite in DATA_DIR, one uvicorn process), or N such
    # processes on one PostgreSQL database. All the simulated candidates share 127.0.0.1, so
    # the per-address limit is raised (it still counts).
    env = {
        **os.environ,
        "DATA_DIR": str(work / "data"),
        "BASE_URL": urls[0],
        "RATE_LIMIT_CANDIDATE": "10000000",
        "GROUP_COMMIT": args.group_commit,
    }
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    servers = [
        start(
            [sys.executable, "-m", "app", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env,
            work / f"server{i}.log",
        )
        for i, port in enumerate(ports)
    ]
    bare = start(
        [sys.executable, str(Path(__file__).with_name("bare.py")), str(bare_port)],
        env,
        work / "bare.log",
    )

    def server_cpu() -> float:
        return sum(cpu_seconds(s.pid) for s in servers)

    def server_rss() -> float:
        """The largest process's: the target is per process."""
        return max(rss_mb(s.pid) for s in servers)

    def url_of(i: int) -> str:
        """Candidates are spread over the instances in turn."""
        return urls[i % len(urls)]

    peak = 0.0
    try:
        for url in urls:
            wait_healthy(url + "/healthz")
        wait_healthy(bare_url + "/save", method="POST")
        start_rss = server_rss()
        flow = Stats()
        t0 = time.perf_counter()
        clients = [RawClient(url_of(i)) for i in range(n)]
        cpu0 = (time.process_time(), server_cpu())

        async def sample_rss() -> None:
            nonlocal peak
            while True:
                peak = max(peak, server_rss())
                await asyncio.sleep(0.2)

        sampler = asyncio.create_task(sample_rss())
        await asyncio.gather(
            *(candidate_flow(c, t, flow, q) for c, t in zip(clients, tokens[:n], strict=True))
        )
        flow_seconds = time.perf_counter() - t0
        cpu_flow = (time.process_time(), server_cpu())
        for c in clients:
            await c.aclose()

        # The same flow at a candidate's pace: a think before every request.
        paced = Stats()
        rng = random.Random(8)
        clients = [RawClient(url_of(i)) for i in range(n)]
        t1 = time.perf_counter()
        await asyncio.gather(
            *(
                candidate_flow(c, t, Paced(paced, args.think, rng), q)
                for c, t in zip(clients, tokens[n : 2 * n], strict=True)
            )
        )
        paced_seconds = time.perf_counter() - t1
        for c in clients:
            await c.aclose()
        cpu1 = (time.process_time(), server_cpu())

        # Storms at the same concurrency: fresh, consented candidates (not finished).
        rest = tokens[2 * n :]
        c = RawClient(urls[0])
        for t in rest:
            await c.post(f"/a/{t}/consent", data={"consent": "yes"})
        await c.aclose()
        item = q.items[0].id
        # Interleaved rounds, medians: a short storm's throughput moves with whatever else the
        # machine does, and the ratio is only meaningful between storms run side by side.
        saves, pages, base = Stats(), Stats(), Stats()
        save_runs, page_runs, bare_runs = [], [], []
        cpu_app = cpu_bare = client_app = client_bare = 0.0
        for _ in range(args.rounds):
            c0 = (time.process_time(), server_cpu(), cpu_seconds(bare.pid))
            save_to = [(url_of(i), f"/a/{t}/save") for i, t in enumerate(rest)]
            save_runs.append(await storm(save_to, args.saves, "save", saves, item))
            page_to = [(url_of(i), f"/a/{t}/q/{QID}/1") for i, t in enumerate(rest)]
            page_runs.append(await storm(page_to, args.saves, "page", pages, item))
            c1 = (time.process_time(), server_cpu(), cpu_seconds(bare.pid))
            bare_to = [(bare_url, "/save")] * n
            bare_runs.append(await storm(bare_to, args.saves, "save", base, item))
            c2 = (time.process_time(), server_cpu(), cpu_seconds(bare.pid))
            client_app += c1[0] - c0[0]
            cpu_app += c1[1] - c0[1]
            client_bare += c2[0] - c1[0]
            cpu_bare += c2[2] - c1[2]
        save_rps, page_rps, bare_rps = (
            statistics.median(runs) for runs in (save_runs, page_runs, bare_runs)
        )
        sampler.cancel()
        peak = max(peak, server_rss())
    except Exception:
        print((work / "server0.log").read_text()[-3000:], file=sys.stderr)
        raise
    finally:
        for proc in (*servers, bare):
            proc.terminate()
            proc.wait(timeout=20)

    errors = flow.errors + paced.errors + saves.errors + pages.errors + base.errors
    kinds = ("save", "page", "form", "finish")
    total = sum(len(flow.latencies[k]) for k in kinds)
    paced_total = sum(len(paced.latencies[k]) for k in kinds)
    database = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"rolefit load benchmark: {n} concurrent candidates, loopback, {database},"
        f" {args.instances} uvicorn process(es), GROUP_COMMIT={args.group_commit}"
    )
    print(
        f"whole flow, back to back: {total} requests in {flow_seconds:.1f} s"
        f" = {total / flow_seconds:.0f} req/s"
    )
    for kind in ("save", "page", "page: welcome", "page: question", "page: done", "form", "finish"):
        print(line(f"flow {kind}", None, flow.latencies[kind]))
    print(
        f"whole flow, {args.think:g} s think before each request: {paced_total} requests in"
        f" {paced_seconds:.1f} s = {paced_total / paced_seconds:.0f} req/s"
    )
    for kind in ("save", "page", "form", "finish"):
        print(line(f"paced {kind}", None, paced.latencies[kind]))
    print(
        f"storms: {n} clients x {args.saves} requests each, {args.rounds} interleaved rounds,"
        " median throughput"
    )
    print(line("answer save (POST /a/../save)", save_rps, saves.latencies["save"]))
    print(line("question page (GET)", page_rps, pages.latencies["page"]))
    print(line("bare FastAPI endpoint", bare_rps, base.latencies["save"]))
    for name, runs in (("save", save_runs), ("page", page_runs), ("bare", bare_runs)):
        print(f"  {name} rounds: " + ", ".join(f"{r:.0f}" for r in runs) + " req/s")
    save_ratio, page_ratio = save_rps / bare_rps, page_rps / bare_rps
    print(f"ratios to the bare endpoint: save {save_ratio:.1%}, page {page_ratio:.1%}")
    print(f"server RSS (largest process): {start_rss:.0f} MB after start-up, peak {peak:.0f} MB")
    # Where the CPU went: the client shares the machine, so its share is printed beside the
    # server's (a client near 1 core would make the server's figures the client's limit).
    print(
        "CPU seconds (client / server): "
        f"flow {cpu_flow[0] - cpu0[0]:.1f} / {cpu_flow[1] - cpu0[1]:.1f}; "
        f"paced flow {cpu1[0] - cpu_flow[0]:.1f} / {cpu1[1] - cpu_flow[1]:.1f}; "
        f"save+page storms {client_app:.1f} / {cpu_app:.1f}; "
        f"bare storms {client_bare:.1f} / {cpu_bare:.1f} (bare server); servers' CPU summed"
    )
    print(f"load average before the run: {load_before}")
    missed, met = [], []
    if errors:
        missed.append(f"{len(errors)} failed requests, e.g. {errors[:3]}")
    (met if save_ratio >= 0.40 else missed).append(
        f"save throughput {save_ratio:.1%} of bare (target >= 40%)"
    )
    for name, stats in (("back to back", flow), ("paced", paced)):
        p99 = max(percentile(stats.latencies[k], 99) for k in ("save", "page")) * 1000
        (met if p99 < 100 else missed).append(
            f"p99 of saves and pages {name} {p99:.0f} ms (target < 100 ms)"
        )
    (met if peak < 200 else missed).append(f"server RSS {peak:.0f} MB (target < 200 MB)")
    print("targets met: " + ("; ".join(met) or "none"))
    print("targets MISSED: " + ("; ".join(missed) or "none"))
    return 1 if missed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=50)
    parser.add_argument("--saves", type=int, default=40, help="requests per client in a storm")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of storms")
    parser.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="mean seconds a paced candidate waits before each request (the questionnaires"
        " plan about 10 s per question; 1 s is a very fast candidate)",
    )
    parser.add_argument("--timeout", type=float, default=300, help="seconds for the whole run")
    parser.add_argument(
        "--database-url",
        default="",
        help="run on this PostgreSQL database instead of SQLite in a fresh data dir; EVERY"
        " TABLE IN IT IS DROPPED first",
    )
    parser.add_argument(
        "--instances",
        type=int,
        default=1,
        help="app processes on different ports sharing the database; candidates are spread"
        " over them in turn (more than one needs --database-url)",
    )
    parser.add_argument(
        "--group-commit",
        choices=("auto", "on", "off"),
        default="auto",
        help="the servers' GROUP_COMMIT: the writer thread (on) or a pooled connection per"
        " request (off)",
    )
    args = parser.parse_args()
    if args.instances > 1 and not args.database_url:
        parser.error("--instances above 1 needs --database-url (SQLite is one machine's file)")
    try:
        return asyncio.run(asyncio.wait_for(main_async(args), args.timeout))
    except TimeoutError:
        print(f"load benchmark: stopped after {args.timeout:.0f} s (bounded in time)")
        return 1


if __name__ == "__main__":
    sys.exit(main())
