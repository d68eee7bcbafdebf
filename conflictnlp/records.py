"""Reading and writing rows of the file formats users bring: .jsonl, .csv and .txt.

Both the dataset loader and the command line stream files through these functions, so a
file larger than memory works and every problem can be reported with its line number.
``-`` stands for standard input or output; its format is given explicitly.

Two promises hold here for every caller:

- Reading: a byte-order mark is dropped, a CSV field of any length is read, and a file
  that is not UTF-8 fails with its name and the line of the first bad byte.
- Writing: :class:`RowWriter` writes to a temporary file beside the output and moves it
  into place only on :meth:`RowWriter.commit`, so an existing output survives a failed
  run; a CSV header is the union of the fields of all rows, so no field is dropped.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, BinaryIO, TextIO

FORMATS = (".jsonl", ".csv", ".txt")
#: The path that means standard input (for reading) or standard output (for writing).
STDIO = "-"
# csv refuses fields over 131,072 characters by default; an article may be longer.
_CSV_FIELD_LIMIT = min(sys.maxsize, 2**31 - 1)


@dataclass
class Row:
    """One input record: its 1-based line number, its fields, or why it could not be read."""

    line: int
    fields: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def is_stdio(path: str | Path) -> bool:
    return str(path) == STDIO


def display_name(path: str | Path, output: bool = False) -> str:
    """How messages name a file: its path, or "standard input/output" for ``-``."""
    if is_stdio(path):
        return "standard output" if output else "standard input"
    return str(path)


def file_format(path: str | Path, fmt: str | None = None) -> str:
    """The format of ``path``: ``fmt`` when given ("csv" or ".csv"), else the suffix.

    ``-`` (standard input or output) has no suffix, so it needs ``fmt``.
    """
    if fmt:
        suffix = fmt.lower() if fmt.startswith(".") else f".{fmt.lower()}"
    elif is_stdio(path):
        raise ValueError(
            f"{display_name(path)} has no file name to tell its format; "
            f"give it with --format ({', '.join(f[1:] for f in FORMATS)})."
        )
    else:
        suffix = Path(path).suffix.lower()
    if suffix == ".json":
        suffix = ".jsonl"
    if suffix not in FORMATS:
        raise ValueError(
            f"{path}: unsupported file type {suffix or 'without a suffix'!r}; "
            f"use one of {', '.join(FORMATS)}."
        )
    return suffix


class _LineTracker(io.BufferedIOBase):
    """A binary stream that remembers how many lines came before its latest chunk.

    ``TextIOWrapper`` decodes whole chunks, so its ``UnicodeDecodeError`` gives a byte
    offset into a chunk; with the newlines counted before that chunk, we can name the line.
    """

    def __init__(self, raw: BinaryIO) -> None:
        super().__init__()
        self._raw = raw
        self._read = getattr(raw, "read1", raw.read)  # read1: do not wait for a full chunk
        self._last = b""
        self._lines_before_last = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        data = self._read(-1 if size is None else size)
        self._lines_before_last += self._last.count(b"\n")
        self._last = data
        return data

    read1 = read

    def close(self) -> None:
        if self._raw is not getattr(sys.stdin, "buffer", None):
            self._raw.close()
        super().close()

    def line_of(self, err: UnicodeDecodeError) -> int:
        """The 1-based line of the byte a decoder refused (``err.object`` ends with our chunk)."""
        return self._lines_before_last + bytes(err.object[: err.start]).count(b"\n") + 1


@contextmanager
def open_text(path: str | Path, newline: str | None = None) -> Iterator[TextIO]:
    """Open a file (or ``-``) as UTF-8 text; a byte-order mark is dropped.

    A byte that is not UTF-8 raises ``ValueError`` naming the file and the line, whatever
    was read before; callers write their output atomically, so nothing half-done is left.
    """
    name = display_name(path)
    raw: BinaryIO = sys.stdin.buffer if is_stdio(path) else open(path, "rb")  # noqa: SIM115
    tracker = _LineTracker(raw)
    handle = io.TextIOWrapper(tracker, encoding="utf-8-sig", newline=newline)  # type: ignore[type-var]
    try:
        yield handle
    except UnicodeDecodeError as err:
        bad = bytes(err.object[err.start : err.start + 1]).hex()
        raise ValueError(
            f"{name}, line {tracker.line_of(err)}: not UTF-8 text (byte 0x{bad}). Save the file "
            "as UTF-8, e.g. `iconv -f latin1 -t utf-8 IN > OUT`, and run again."
        ) from None
    finally:
        handle.close()


def check_readable(path: str | Path, fmt: str | None = None) -> str:
    """Fail now, before any output is opened, if ``path`` cannot be read; return its format."""
    suffix = file_format(path, fmt)
    if not is_stdio(path):
        if not Path(path).exists():
            raise FileNotFoundError(f"{path}: no such file.")
        if not Path(path).is_file():
            raise IsADirectoryError(f"{path} is a folder; give a {suffix} file.")
        with open(path, "rb"):  # permissions
            pass
    return suffix


def read_rows(path: str | Path, text_field: str = "text", fmt: str | None = None) -> Iterator[Row]:
    """Yield the rows of a file (or ``-``) one at a time, never raising for a single bad line.

    A ``.txt`` file has one sentence a line (blank lines skipped) under ``text_field``.
    The file's existence and format are checked when this is called, the rows read lazily.
    """
    suffix = check_readable(path, fmt)
    return _rows(path, suffix, text_field)


def read_text(path: str | Path) -> str:
    """The whole of a text file (or standard input), decoded as in :func:`open_text`."""
    with open_text(path) as handle:
        return handle.read()


def _rows(path: str | Path, suffix: str, text_field: str) -> Iterator[Row]:
    with open_text(path, newline="" if suffix == ".csv" else None) as handle:
        if suffix == ".jsonl":
            yield from _jsonl_rows(handle)
        elif suffix == ".csv":
            yield from _csv_rows(handle, display_name(path))
        else:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    yield Row(number, {text_field: line.rstrip("\n")})


def _jsonl_rows(handle: TextIO) -> Iterator[Row]:
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as err:
            yield Row(number, error=f"not valid JSON ({err.msg} at column {err.colno})")
            continue
        if not isinstance(value, dict):
            yield Row(number, error=f"expected a JSON object, got {type(value).__name__}")
            continue
        yield Row(number, value)


@contextmanager
def _long_csv_fields() -> Iterator[None]:
    """Lift csv's field size limit for one read, leaving the module setting as it was."""
    previous = csv.field_size_limit(_CSV_FIELD_LIMIT)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _csv_rows(handle: TextIO, name: str) -> Iterator[Row]:
    """Rows of a CSV file; a row's line is where its record starts (quoted fields span lines)."""
    reader = csv.reader(handle)
    header: list[str] | None = None
    while True:
        start = reader.line_num + 1
        try:
            with _long_csv_fields():
                record = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            yield Row(start, error=f"unreadable CSV ({err})")
            continue
        if not record:  # a blank line
            continue
        if header is None:
            duplicated = sorted({c for c in record if record.count(c) > 1})
            if duplicated:
                raise ValueError(
                    f"{name}, line {start}: the header names column(s) {duplicated} more than "
                    "once, so their values could not be told apart; rename them."
                )
            header = record
            continue
        if len(record) != len(header):
            yield Row(start, error=f"expected {len(header)} columns, got {len(record)}")
            continue
        yield Row(start, dict(zip(header, record, strict=True)))


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    """CSV cells: nested values (the ``scores`` dict) as JSON text."""
    return {k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in row.items()}


def _drop_partial_line(path: Path, block: int = 1 << 16) -> None:
    """Truncate ``path`` after its last newline (no-op when it ends with one)."""
    with path.open("r+b") as handle:
        end = handle.seek(0, os.SEEK_END)
        position = end
        while position > 0:
            start = max(0, position - block)
            handle.seek(start)
            chunk = handle.read(position - start)
            cut = chunk.rfind(b"\n")
            if cut >= 0:
                if start + cut + 1 != end:
                    handle.truncate(start + cut + 1)
                return
            position = start
        handle.truncate(0)


class RowWriter:
    """Writes output rows as .jsonl or .csv, atomically, to a file or standard output.

    Rows go to a temporary file in the output's folder; :meth:`commit` moves it into
    place (``os.replace``), and closing without a commit deletes it, so an existing output
    is never emptied or half-written by a failed run. A CSV header is the union of the keys
    of all rows in first-seen order, with ``columns`` (the fields this library adds) last,
    so rows are spooled as JSON lines and turned into CSV on commit. JSON lines to
    standard output stream directly; CSV to standard output is written on commit.

    Args:
        path: The output file, or ``-`` for standard output.
        columns: Fields that go last in a CSV header (the library's own).
        fmt: The format ("jsonl" or "csv"); by default the suffix of ``path``.
    """

    def __init__(
        self, path: str | Path, columns: list[str] | None = None, fmt: str | None = None
    ) -> None:
        self.path = path if is_stdio(path) else Path(path)
        self.format = file_format(path, fmt)
        if self.format == ".txt":
            raise ValueError(f"{display_name(path, output=True)}: write .jsonl or .csv, not .txt.")
        self._columns = columns or []
        #: Rows written so far (a row is counted once its whole line is written).
        self.rows = 0
        self._fields: dict[str, None] = {}
        self._temp: Path | None = None
        self._handle: IO[str]
        if is_stdio(path) and self.format == ".jsonl":
            self._handle = sys.stdout
            return
        if is_stdio(path):
            folder = Path(tempfile.gettempdir())
        else:
            folder = Path(path).parent
            folder.mkdir(parents=True, exist_ok=True)
        # Opened with "x" (not mkstemp) so that the file gets the user's usual permissions.
        self._temp = folder / f".{Path(str(path)).name}.{uuid.uuid4().hex[:12]}.tmp"
        self._handle = self._temp.open("x", encoding="utf-8", newline="")

    def write(self, row: dict[str, Any]) -> None:
        if self.format == ".csv":
            row = _flat(row)
            self._fields.update(dict.fromkeys(row))
        self._handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        self.rows += 1

    def commit(self) -> None:
        """Put everything written so far in place (a CSV gets its final header now)."""
        if self._temp is None:
            self._handle.flush()
            return
        self._handle.close()
        spool = self._temp
        _drop_partial_line(spool)  # a write cut short by Ctrl-C leaves whole lines only
        if self.format == ".csv":
            if is_stdio(self.path):
                self._write_csv(spool, sys.stdout)
                sys.stdout.flush()
                spool.unlink()
                self._temp = None
                return
            csv_temp = spool.with_name(spool.name + ".csv")
            with csv_temp.open("x", encoding="utf-8", newline="") as out:
                self._write_csv(spool, out)
            spool.unlink()
            spool = csv_temp
        if isinstance(self.path, Path) and self.path.is_file():
            shutil.copymode(self.path, spool)
        with spool.open("rb") as done:
            os.fsync(done.fileno())
        os.replace(spool, self.path)
        self._temp = None

    def _write_csv(self, spool: Path, out: TextIO) -> None:
        header = [*[k for k in self._fields if k not in self._columns], *self._columns]
        writer = csv.DictWriter(out, fieldnames=header, restval="")
        writer.writeheader()
        with spool.open(encoding="utf-8") as rows:
            writer.writerows(json.loads(line) for line in rows)

    def close(self) -> None:
        """Discard what was not committed (the temporary file); the output stays as it was."""
        if self._temp is None:
            return
        if not self._handle.closed:
            self._handle.close()
        for leftover in (self._temp, self._temp.with_name(self._temp.name + ".csv")):
            leftover.unlink(missing_ok=True)
        self._temp = None

    def __enter__(self) -> RowWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
