"""Uploaded CSV files between their preview and their confirmation.

Kept as files in ``DATA_DIR/imports`` (mode 0600: names and emails are personal data), named
by the vacancy and a random id that only the previewing page knows. Taking one renames it
first, which exactly one of two simultaneous confirmations can do; the other finds nothing,
so confirming twice never imports twice. Files nobody confirmed are removed after a day.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from pathlib import Path

from app.config import Settings

KEEP_SECONDS = 24 * 3600
_ID = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def _folder(settings: Settings) -> Path:
    return settings.data_dir / "imports"


def _sweep(folder: Path, now: float) -> None:
    for path in folder.glob("*.csv*"):
        try:
            if now - path.stat().st_mtime > KEEP_SECONDS:
                path.unlink()
        except FileNotFoundError:
            pass


def store(settings: Settings, *, vacancy_id: int | None, data: bytes) -> str:
    folder = _folder(settings)
    folder.mkdir(parents=True, exist_ok=True)
    _sweep(folder, time.time())
    upload_id = secrets.token_urlsafe(24)
    fd = os.open(
        folder / f"{vacancy_id}-{upload_id}.csv", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600
    )
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return upload_id


def peek(settings: Settings, *, vacancy_id: int | None, upload_id: str) -> bytes | None:
    """The stored file, left in place for a later step; None if it is gone or expired."""
    if not _ID.match(upload_id):
        return None
    path = _folder(settings) / f"{vacancy_id}-{upload_id}.csv"
    try:
        if time.time() - path.stat().st_mtime > KEEP_SECONDS:
            return None
        return path.read_bytes()
    except FileNotFoundError:
        return None


def take(settings: Settings, *, vacancy_id: int | None, upload_id: str) -> bytes | None:
    """The stored file, once; None if it was taken already, expired or never existed."""
    if not _ID.match(upload_id):
        return None
    path = _folder(settings) / f"{vacancy_id}-{upload_id}.csv"
    taken = path.with_suffix(f".csv.{secrets.token_hex(4)}")
    try:
        os.rename(path, taken)  # atomic: only one confirmation gets past this line
    except FileNotFoundError:
        return None
    try:
        if time.time() - taken.stat().st_mtime > KEEP_SECONDS:
            return None
        return taken.read_bytes()
    finally:
        taken.unlink(missing_ok=True)
