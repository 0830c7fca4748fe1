"""Server CPU time per request in storms: answer saves, question pages and the bare endpoint,
in interleaved rounds, each server's CPU read from /proc. Steadier than throughput on a shared
machine (bench/load/README.md).

    .venv/bin/python bench/load/cpu.py [--candidates 50] [--requests 40] [--rounds 3]

Run it from the checkout to measure: that checkout's servers are started (``-m app`` from its
root). Loopback only, bounded in requests.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run
from prodserver_bench import free_port, wait_healthy


async def storms(args: argparse.Namespace, url: str, bare_url: str, pids: dict[str, int]) -> None:
    from questionnaires.loader import product_questionnaires

    item = product_questionnaires()[run.QID].items[0].id
    tokens = args.tokens
    client = run.RawClient(url)
    for t in tokens:
        await client.post(f"/a/{t}/consent", data={"consent": "yes"})
    await client.aclose()
    stats = run.Stats()
    per_request: dict[str, list[float]] = {"save": [], "page": [], "bare": []}
    paths = {
        "save": [(url, f"/a/{t}/save") for t in tokens],
        "page": [(url, f"/a/{t}/q/{run.QID}/1") for t in tokens],
        "bare": [(bare_url, "/save")] * len(tokens),
    }
    for _ in range(args.rounds):
        for kind, targets in paths.items():
            pid = pids["bare" if kind == "bare" else "app"]
            before = run.cpu_seconds(pid)
            await run.storm(
                targets, args.requests, "page" if kind == "page" else "save", stats, item
            )
            spent = run.cpu_seconds(pid) - before
            per_request[kind].append(1000 * spent / (len(targets) * args.requests))
    if stats.errors:
        raise SystemExit(f"failed requests: {stats.errors[:3]}")
    print(f"server CPU per request (ms), {args.rounds} rounds, median (rounds):")
    for kind, values in per_request.items():
        rounds = " ".join(f"{v:.3f}" for v in values)
        print(f"  {kind:<5} {statistics.median(values):.3f}  ({rounds})")
    save, bare = statistics.median(per_request["save"]), statistics.median(per_request["bare"])
    print(f"bare / save CPU: {bare / save:.1%}")
    print("load average: " + " ".join(Path("/proc/loadavg").read_text().split()[:3]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=50)
    parser.add_argument("--requests", type=int, default=40, help="per client in a storm")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rolefit-cpu-"))
    port, bare_port = free_port(), free_port()
    url, bare_url = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{bare_port}"
    args.tokens = run.seed(work / "data", args.candidates, url, "")
    env = {
        **os.environ,
        "DATA_DIR": str(work / "data"),
        "BASE_URL": url,
        "RATE_LIMIT_CANDIDATE": "10000000",
    }
    serve = [sys.executable, "-m", "app", "serve", "--host", "127.0.0.1", "--port", str(port)]
    app = run.start(serve, env, work / "server.log")
    bare = run.start(
        [sys.executable, str(Path(__file__).with_name("bare.py")), str(bare_port)],
        env,
        work / "bare.log",
    )
    try:
        wait_healthy(url + "/healthz")
        wait_healthy(bare_url + "/save", method="POST")
        asyncio.run(storms(args, url, bare_url, {"app": app.pid, "bare": bare.pid}))
    finally:
        for proc in (app, bare):
            proc.terminate()
            proc.wait(timeout=20)


if __name__ == "__main__":
    main()
