"""Classify whole files, streamed in chunks so that a file larger than memory works.

Every input row appears in the output, in order, with all its fields; a row that cannot
be classified (unparseable, missing or empty text) carries an ``error`` field instead of a
label, and the run goes on. An input field whose name the output uses itself (``label``,
``score``, ``scores``, ``error``, ``line``) is kept under ``input_<name>``, so neither the
input's value nor the model's is lost. The output is written atomically (see
:class:`~conflictnlp.records.RowWriter`); docs/cli.md lists every promise.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from ..records import Row, RowWriter, check_readable, display_name, is_stdio, read_rows, read_text
from .classifier import Classifier
from .prediction import Prediction

OUTPUT_FIELDS = ["label", "score", "scores", "error"]
DOCUMENT_FIELDS = ["row_id", "sentence_index", "start", "end"]
#: Fields a sentence-mode output row adds to the input row's fields ("line": error rows).
ADDED_FIELDS = (*OUTPUT_FIELDS, "line")
#: An input field named like an added field is kept under this prefix.
INPUT_PREFIX = "input_"


@dataclass
class FileSummary:
    """Counts of a run; ``renamed`` maps clashing input field names to their output names."""

    rows: int = 0
    errors: int = 0
    outputs: int = 0
    renamed: dict[str, str] = field(default_factory=dict)


def input_renames(fields: dict[str, Any]) -> dict[str, str]:
    """How the clashing fields of an input row are renamed: ``label`` -> ``input_label``."""
    renames = {}
    for name in fields:
        if name in ADDED_FIELDS:
            new = INPUT_PREFIX + name
            while new in fields:
                new = INPUT_PREFIX + new
            renames[name] = new
    return renames


def keep_input_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """The input row's fields, renamed so that the output's own fields overwrite none."""
    renames = input_renames(fields)
    return {renames.get(k, k): v for k, v in fields.items()} if renames else fields


def _row_error(fields: dict[str, Any], text_field: str) -> str | None:
    value = fields.get(text_field)
    if value is None:
        return f"missing field {text_field!r}"
    if not isinstance(value, str):
        return f"field {text_field!r} is {type(value).__name__}, not text"
    if not value.strip():
        return f"field {text_field!r} is empty"
    return None


def _prediction_fields(p: Prediction) -> dict[str, Any]:
    return {
        "label": p.label,
        "score": round(p.score, 6),
        "scores": {k: round(v, 6) for k, v in p.scores.items()},
    }


def iter_classified(
    clf: Classifier,
    input_path: str | Path,
    text_field: str = "text",
    document: bool = False,
    batch_size: int = 32,
    chunk_size: int = 512,
    summary: FileSummary | None = None,
    input_format: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Yield output rows for ``input_path`` in input order (see the module docstring).

    With ``document=True`` each row is an article (a ``.txt`` file is one article) and
    one row is yielded per sentence, with the row's id, sentence index and offsets.
    The input is checked now (missing file, unknown format), before anything is yielded;
    ``input_path`` may be ``-`` (standard input) with ``input_format``.
    """
    summary = summary if summary is not None else FileSummary()
    fmt = check_readable(input_path, input_format)
    if document and fmt == ".txt":  # a plain-text file is one article
        rows = _whole_text(input_path, text_field)
    else:
        rows = read_rows(input_path, text_field, fmt)
    return _classified(clf, rows, text_field, document, batch_size, chunk_size, summary)


def _whole_text(path: str | Path, text_field: str) -> Iterator[Row]:
    text = read_text(path)
    if text.strip():
        yield Row(1, {text_field: text})


def _classified(
    clf: Classifier,
    rows: Iterator[Row],
    text_field: str,
    document: bool,
    batch_size: int,
    chunk_size: int,
    summary: FileSummary,
) -> Iterator[dict[str, Any]]:
    emit = _document_rows if document else _sentence_rows
    while chunk := list(islice(rows, chunk_size)):
        summary.rows += len(chunk)
        if not document:
            for r in chunk:
                summary.renamed.update(input_renames(r.fields))
        errors = [r.error or _row_error(r.fields, text_field) for r in chunk]
        for out in emit(clf, chunk, errors, text_field, batch_size):
            summary.outputs += 1
            summary.errors += "error" in out
            yield out


def _sentence_rows(
    clf: Classifier, chunk: list[Row], errors: list[str | None], text_field: str, batch_size: int
) -> Iterator[dict[str, Any]]:
    """One output row per input row: its fields plus a label, or plus an error."""
    good = [r.fields[text_field] for r, e in zip(chunk, errors, strict=True) if e is None]
    predictions = iter(clf.predict(good, batch_size) if good else [])
    for row, error in zip(chunk, errors, strict=True):
        fields = keep_input_fields(row.fields)
        if error:
            yield {**fields, "line": row.line, "error": error}
        else:
            yield {**fields, **_prediction_fields(next(predictions))}


def _document_rows(
    clf: Classifier, chunk: list[Row], errors: list[str | None], text_field: str, batch_size: int
) -> Iterator[dict[str, Any]]:
    """One output row per sentence of each article, or one error row for a bad article."""
    for row, error in zip(chunk, errors, strict=True):
        row_id = row.fields.get("id", row.line)
        if error:
            yield {"row_id": row_id, "error": error}
            continue
        for index, p in enumerate(clf.predict_document(row.fields[text_field], batch_size)):
            yield {
                "row_id": row_id,
                "sentence_index": index,
                "start": p.start,
                "end": p.end,
                "text": p.text,
                **_prediction_fields(p),
            }


def classify_file(
    clf: Classifier,
    input_path: str | Path,
    output_path: str | Path,
    text_field: str = "text",
    document: bool = False,
    batch_size: int = 32,
    progress: bool = True,
    input_format: str | None = None,
    output_format: str | None = None,
    summary: FileSummary | None = None,
) -> FileSummary:
    """Classify ``input_path`` into ``output_path`` (.jsonl or .csv); return the counts.

    Either path may be ``-`` (standard input or output, with ``input_format`` or
    ``output_format``). The output appears only when the run ends: an error leaves an
    existing output as it was. On Ctrl-C the rows written so far (whole rows) are put in
    place and ``KeyboardInterrupt`` is raised again with a message saying how many.

    Raises:
        ValueError: The input and output are the same file, or a format is unsupported.
        OSError: The input cannot be read or the output cannot be written.
    """
    summary = summary if summary is not None else FileSummary()
    refuse_same_file(input_path, output_path)
    columns = [*DOCUMENT_FIELDS, "text", *OUTPUT_FIELDS] if document else [*ADDED_FIELDS]
    rows = iter_classified(
        clf,
        input_path,
        text_field,
        document,
        batch_size,
        summary=summary,
        input_format=input_format,
    )
    with RowWriter(output_path, columns, output_format) as writer:
        try:
            for row in tqdm(rows, desc="classifying", unit=" rows", disable=not progress):
                writer.write(row)
        except KeyboardInterrupt:
            writer.commit()
            raise KeyboardInterrupt(
                f"wrote {writer.rows} rows to {display_name(output_path, output=True)} before "
                "the interruption; the rest of the input was not classified."
            ) from None
        writer.commit()
    return summary


def refuse_same_file(input_path: str | Path, output_path: str | Path) -> None:
    """Refuse to write over the file being read (it would be emptied as it is read)."""
    if is_stdio(input_path) or is_stdio(output_path):
        return
    source, target = Path(input_path), Path(output_path)
    same = source.resolve() == target.resolve()
    if not same and source.exists() and target.exists():
        same = os.path.samefile(source, target)
    if same:
        raise ValueError(
            f"--output {output_path} is the input file itself; writing it would replace the "
            "rows being read. Give another --output path."
        )
