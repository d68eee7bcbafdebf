"""Reading and writing rows of the file formats users bring: .jsonl, .csv and .txt.

Both the dataset loader and the command line stream files through these functions, so a
file larger than memory works and every problem can be reported with its line number.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

FORMATS = (".jsonl", ".csv", ".txt")


@dataclass
class Row:
    """One input record: its 1-based line number, its fields, or why it could not be read."""

    line: int
    fields: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def file_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".json":
        suffix = ".jsonl"
    if suffix not in FORMATS:
        raise ValueError(
            f"{path}: unsupported file type {path.suffix!r}; use one of {', '.join(FORMATS)}."
        )
    return suffix


def read_rows(path: str | Path, text_field: str = "text") -> Iterator[Row]:
    """Yield the rows of a file one at a time, never raising for a single bad line.

    A ``.txt`` file has one sentence a line (blank lines skipped) under ``text_field``.
    """
    path = Path(path)
    fmt = file_format(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file.")
    with path.open(encoding="utf-8", newline="" if fmt == ".csv" else None) as handle:
        if fmt == ".jsonl":
            yield from _jsonl_rows(handle)
        elif fmt == ".csv":
            yield from _csv_rows(handle)
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


def _csv_rows(handle: TextIO) -> Iterator[Row]:
    reader = csv.DictReader(handle)
    if reader.fieldnames is None:
        return
    columns = len(reader.fieldnames)
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            yield Row(reader.line_num, error=f"unreadable CSV ({err})")
            continue
        if None in record or len(record) != columns:
            yield Row(reader.line_num, error=f"expected {columns} columns, got a different number")
            continue
        yield Row(reader.line_num, dict(record))


class RowWriter:
    """Writes output rows as .jsonl or .csv (chosen by the suffix), one at a time.

    A CSV file has one header: the keys of the first row, then ``columns`` (the fields
    this library adds) at the end; later rows fill missing columns with "".
    """

    def __init__(self, path: str | Path, columns: list[str] | None = None) -> None:
        self.path = Path(path)
        self.format = file_format(self.path)
        if self.format == ".txt":
            raise ValueError(f"{self.path}: write .jsonl or .csv output, not .txt.")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = self.path.open("w", encoding="utf-8", newline="")
        self._columns = columns or []
        self._csv: csv.DictWriter | None = None

    def write(self, row: dict[str, Any]) -> None:
        if self.format == ".jsonl":
            self._handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            return
        flat = {k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in row.items()}
        if self._csv is None:
            header = [*[k for k in flat if k not in self._columns], *self._columns]
            self._csv = csv.DictWriter(
                self._handle, fieldnames=header, restval="", extrasaction="ignore"
            )
            self._csv.writeheader()
        self._csv.writerow(flat)

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> RowWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
