"""A ZIP written as it goes: each file's bytes are handed on as soon as it is added."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator


class _Sink(io.RawIOBase):
    """An unseekable, write-only buffer that is drained after each write to the archive:
    zipfile then writes data descriptors instead of seeking back."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._offset = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        chunk = bytes(data)
        self._chunks.append(chunk)
        self._offset += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._offset

    def drain(self) -> bytes:
        out = b"".join(self._chunks)
        self._chunks.clear()
        return out


def zip_chunks(files: Iterable[tuple[str, bytes]]) -> Iterator[bytes]:
    """Yield the archive of ``files`` (name, bytes) piece by piece. PDFs are compressed
    already, so entries are stored, not deflated again."""
    sink = _Sink()
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_STORED) as archive:
        for name, data in files:
            archive.writestr(name, data)
            if chunk := sink.drain():
                yield chunk
    if chunk := sink.drain():
        yield chunk
