"""Classify whole files, streamed in chunks so that a file larger than memory works.

Every input row appears in the output, in order, with all its fields; a row that cannot
be classified (unparseable, missing or empty text) carries an ``error`` field instead of a
label, and the run goes on.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from .modeling import Classifier
from .prediction import Prediction
from .records import Row, RowWriter, read_rows

OUTPUT_FIELDS = ["label", "score", "scores", "error"]
DOCUMENT_FIELDS = ["row_id", "sentence_index", "start", "end"]


@dataclass
class FileSummary:
    rows: int = 0
    errors: int = 0
    outputs: int = 0


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
) -> Iterator[dict[str, Any]]:
    """Yield output rows for ``input_path`` in input order (see the module docstring).

    With ``document=True`` each row is an article (a ``.txt`` file is one article) and
    one row is yielded per sentence, with the row's id, sentence index and offsets.
    """
    summary = summary if summary is not None else FileSummary()
    path = Path(input_path)
    rows = read_rows(path, text_field)
    if document and path.suffix.lower() == ".txt":  # a plain-text file is one article
        text = path.read_text(encoding="utf-8")
        rows = iter([Row(1, {text_field: text})] if text.strip() else [])
    emit = _document_rows if document else _sentence_rows
    while chunk := list(islice(rows, chunk_size)):
        summary.rows += len(chunk)
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
        if error:
            yield {**row.fields, "line": row.line, "error": error}
        else:
            yield {**row.fields, **_prediction_fields(next(predictions))}


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
) -> FileSummary:
    """Classify ``input_path`` into ``output_path`` (.jsonl or .csv); return the counts."""
    summary = FileSummary()
    columns = [*DOCUMENT_FIELDS, "text", *OUTPUT_FIELDS] if document else OUTPUT_FIELDS
    with RowWriter(output_path, columns) as writer:
        rows = iter_classified(clf, input_path, text_field, document, batch_size, summary=summary)
        for row in tqdm(rows, desc="classifying", unit=" rows", disable=not progress):
            writer.write(row)
    return summary
