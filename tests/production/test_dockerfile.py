"""The Docker image's contents serve the product.

Neither CI nor the development machines have a Docker daemon or reach Docker Hub, so the image
itself is never built here. This test does what the Dockerfile does, from the Dockerfile's own
text: it copies exactly its COPY sources (minus what .dockerignore leaves out) into an empty
directory, builds the package from there as its ``pip install -e .`` does, then runs its CMD
with its ENV through a shell, and the HEALTHCHECK's command against that server. A file the app
needs at run time that the image does not copy, or a CMD that does not start, fails here.
"""

from __future__ import annotations

import fnmatch
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.production.prodserver import SECRET, free_port

ROOT = Path(__file__).resolve().parents[2]


def _instructions() -> list[tuple[str, str]]:
    """(instruction, arguments) of the Dockerfile, continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text()
    joined = text.replace("\\\n", " ")
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, args = line.partition(" ")
            out.append((name.upper(), args.strip()))
    return out


def _env(args: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in shlex.split(args))


def _ignored(relative: str) -> bool:
    patterns = [
        p.strip()
        for p in (ROOT / ".dockerignore").read_text().splitlines()
        if p.strip() and not p.startswith("#")
    ]
    parts = relative.split("/")
    return any(
        fnmatch.fnmatch(relative, p.removeprefix("**/"))
        or any(fnmatch.fnmatch(part, p.removeprefix("**/")) for part in parts)
        for p in patterns
    )


def _copy_into(image: Path, sources: list[str], dest: str) -> None:
    for source in sources:
        path = ROOT / source
        assert path.exists(), f"the Dockerfile copies {source}, which the repository lacks"
        target = image / dest if dest not in (".", "./") else image
        if path.is_file():
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target / path.name if dest.endswith("/") else target)
            continue
        for file in path.rglob("*"):
            relative = file.relative_to(ROOT).as_posix()
            if file.is_file() and not _ignored(relative):
                out = target / file.relative_to(path)
                out.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(file, out)


def test_the_images_files_build_the_package_and_its_cmd_serves(tmp_path: Path) -> None:
    image, data = tmp_path / "app", tmp_path / "data"
    image.mkdir()
    data.mkdir()
    env: dict[str, str] = {}
    cmd: list[str] = []
    health: list[str] = []
    for name, args in _instructions():
        if name == "COPY":
            *sources, dest = shlex.split(args)
            _copy_into(image, sources, dest)
        elif name == "ENV":
            env.update(_env(args))
        elif name == "CMD":
            cmd = [str(part) for part in json.loads(args)]
        elif name == "HEALTHCHECK":
            health = shlex.split(args.split(" CMD ", 1)[1])
    assert cmd and health, "the Dockerfile has a CMD and a HEALTHCHECK"
    assert {"DATA_DIR", "HOST", "PORT", "ENV"} <= env.keys()

    # `pip install -e .` from the copied files: the package metadata and discovery hold there.
    build = ["wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path / "wheel")]
    wheel = subprocess.run(
        [sys.executable, "-m", "pip", *build, str(image)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert wheel.returncode == 0, wheel.stderr[-2000:]

    # The CMD as written; `rolefit` is the console script the install puts on PATH, here a
    # shim that runs the copied tree (this interpreter has the dependencies).
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "rolefit"
    shim.write_text(
        f'#!/bin/sh\ncd {shlex.quote(str(image))} && exec {sys.executable} -m app "$@"\n'
    )
    shim.chmod(0o755)
    port = free_port()
    run_env = {
        k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "DATABASE_", "PYTHON"))
    }
    run_env.update(env)
    run_env.update(
        PATH=f"{bin_dir}:{os.environ['PATH']}",
        DATA_DIR=str(data),  # the image's /data volume
        HOST="127.0.0.1",  # loopback in a test; the image listens on 0.0.0.0
        PORT=str(port),
        SECRET_KEY=SECRET,  # compose passes it; ENV=production refuses to start without
        BASE_URL=f"http://127.0.0.1:{port}",
        MAIL_WORKER="false",
    )
    log = (tmp_path / "server.log").open("wb")
    proc = subprocess.Popen(
        cmd, cwd=image, env=run_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, (tmp_path / "server.log").read_text()[-3000:]
            assert time.monotonic() < deadline, (tmp_path / "server.log").read_text()[-3000:]
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        # The HEALTHCHECK's own command, pointed at this port.
        probe = [part.replace(":8000/", f":{port}/") for part in health]
        assert subprocess.run(probe, env=run_env, timeout=30).returncode == 0
        # Templates, translations and static files come from the copied tree.
        login = httpx.get(url + "/login?lang=ru", timeout=10)
        assert login.status_code == 200 and "<h1>Вход</h1>" in login.text
        css = httpx.get(url + "/static/app.css", timeout=10)
        assert css.status_code == 200 and len(css.content) > 100
        assert (data / "rolefit.db").exists() or any(data.iterdir())
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        log.close()
