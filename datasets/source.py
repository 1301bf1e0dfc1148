"""Open a data file once, whatever it is: a regular file, a pipe, ``<(cmd)``, a device.

A regular file is read by the table parser from its path (its size is known up front and it
can be read again to explain an error). Anything else (a FIFO, process substitution's
``/dev/fd/N``, a character device) can be read only once, so it is read here into memory,
in chunks, up to :data:`MAX_INPUT_BYTES`; a NUL byte ends the read at once, since a text
table never holds one (``/dev/zero`` is refused in a microsecond, not after filling memory).
"""

from __future__ import annotations

import codecs
import io
import os
import stat
from dataclasses import dataclass, replace
from typing import IO

from .dataset import DatasetError

#: The largest input read, in bytes (4 GiB): bigger than any table this tool trains on in
#: reasonable time, small enough that a runaway pipe cannot take the machine's memory.
MAX_INPUT_BYTES = 4 * 2**30
#: Bytes read from the start of a file to find its delimiter and header.
HEAD_BYTES = 2**20
_CHUNK = 2**20


@dataclass(frozen=True)
class Source:
    """A data file, opened: ``head`` is its first bytes (at least the first line, when it has
    one) and ``whole`` says whether that is the whole file; ``data`` holds every byte when
    the file could be read only once, else None and the file is read again from ``path``;
    ``size`` is the input's length in bytes."""

    path: str
    head: bytes
    whole: bool
    data: bytes | None
    size: int

    def with_head(self, n: int) -> Source:
        """This source with a head of the first ``n`` bytes (for a first line longer than
        the head), read again from the file or taken from the bytes in memory."""
        if self.data is not None:
            head = self.data[:n]
        else:
            with self.open_binary() as f:
                head = _read(self.path, f, n)
        return replace(self, head=head, whole=len(head) >= self.size)

    def open_binary(self) -> IO[bytes]:
        """The whole input from its first byte."""
        return io.BytesIO(self.data) if self.data is not None else _open(self.path)

    def parser_input(self) -> str | IO[bytes]:
        """What a table parser reads: the path of a regular file, else the bytes in memory."""
        return self.path if self.data is None else io.BytesIO(self.data)

    def arrow_file(self):
        """The input as an Arrow random-access file: reads land in Arrow's memory pool (a
        regular file) or are slices of the bytes in memory, never Python objects."""
        import pyarrow as pa

        if self.data is None:
            try:
                return pa.OSFile(self.path)
            except OSError as e:
                raise DatasetError(os_message(self.path, e)) from None
        return pa.BufferReader(pa.py_buffer(self.data))


def open_source(path: str, binary: bool = False) -> Source:
    """Open ``path``; its problems are one-line DatasetErrors.

    ``binary`` files (Parquet, Arrow) skip the NUL-byte check. Raises DatasetError for a
    missing, unreadable or directory path, a file larger than MAX_INPUT_BYTES, a NUL byte in
    a text file, or an empty file.
    """
    try:
        info = os.stat(path)
    except OSError as e:
        raise DatasetError(os_message(path, e)) from None
    if stat.S_ISDIR(info.st_mode):
        raise DatasetError(f"{path}: is a directory, not a data file")
    if stat.S_ISREG(info.st_mode):
        if info.st_size > MAX_INPUT_BYTES:
            raise DatasetError(f"{path}: {_size_limit_message(info.st_size)}")
        with _open(path) as f:
            head = _read_head(path, f, binary)
        data, whole = None, len(head) >= info.st_size
    else:
        with _open(path) as f:
            data = _read_all(path, f, binary)
        head, whole = data[:HEAD_BYTES], len(data) <= HEAD_BYTES
    if not head.strip():
        raise DatasetError(f"{path}: the file is empty")
    return Source(path, head, whole, data, info.st_size if data is None else len(data))


def os_message(path: str, error: OSError) -> str:
    """One line for an OSError met while reading ``path``."""
    if isinstance(error, FileNotFoundError):
        return f"{path}: no such file"
    if isinstance(error, IsADirectoryError):
        return f"{path}: is a directory, not a data file"
    if isinstance(error, PermissionError):
        return f"{path}: permission denied"
    return f"{path}: cannot read the file ({error.strerror or error})"


def _open(path: str) -> IO[bytes]:
    try:
        return open(path, "rb")
    except OSError as e:
        raise DatasetError(os_message(path, e)) from None


def _read_head(path: str, f: IO[bytes], binary: bool) -> bytes:
    """HEAD_BYTES, or more until the first line ends (a header of 100,000 names, say)."""
    head = _read(path, f, HEAD_BYTES)
    if not binary:
        _check_text(path, head, 0)
        while b"\n" not in head and b"\r" not in head:
            chunk = _read(path, f, _CHUNK)
            if not chunk:
                break
            _check_text(path, chunk, len(head))
            head += chunk
    return head


def _read_all(path: str, f: IO[bytes], binary: bool) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := _read(path, f, _CHUNK):
        if not binary:
            _check_text(path, chunk, size)
        size += len(chunk)
        if size > MAX_INPUT_BYTES:
            raise DatasetError(f"{path}: {_size_limit_message(size, at_least=True)}")
        chunks.append(chunk)
    return b"".join(chunks)


def _read(path: str, f: IO[bytes], n: int) -> bytes:
    try:
        return f.read(n)
    except OSError as e:
        raise DatasetError(os_message(path, e)) from None


def _check_text(path: str, chunk: bytes, offset: int) -> None:
    if offset == 0:
        for encoding, marks in (("UTF-32", (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)),
                                ("UTF-16", (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))):
            if chunk.startswith(marks):
                raise DatasetError(f"{path}: {encoding} text (it starts with a {encoding} "
                                   "byte-order mark); save it as UTF-8")
    at = chunk.find(b"\0")
    if at >= 0:
        raise DatasetError(
            f"{path}: byte {offset + at} is a NUL byte: this is not UTF-8 text (UTF-16 text must "
            "be saved as UTF-8; binary tables need the extension .parquet, .feather or .arrow)"
        )


def _size_limit_message(size: int, at_least: bool = False) -> str:
    more = "more than " if at_least else ""
    return (f"{more}{size / 2**30:.1f} GiB; the most a data file may hold is "
            f"{MAX_INPUT_BYTES / 2**30:.0f} GiB")
