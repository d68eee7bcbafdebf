"""The actor behind :func:`classify_dataset`: one model replica labelling Arrow batches.

Labelling goes through the one-process CLI's own row functions (``files._sentence_rows``
and ``files._document_rows``), so the rules for bad rows, the rounding of scores and the
document rows are the same code on one machine and on a cluster.
"""

from __future__ import annotations

import time
from typing import Any

import pyarrow as pa

from ..inference.files import (
    DOCUMENT_FIELDS,
    OUTPUT_FIELDS,
    _document_rows,
    _row_error,
    _sentence_rows,
    input_renames,
)
from ..labels import LABELS
from ..records import Row
from .model_shipping import ModelBundle, load_model

#: ``scores`` is one struct column with a field per label, in ``LABELS`` order: Parquet
#: and JSON keep it as the same object the one-process CLI writes; CSV gets it as JSON.
SCORES_TYPE = pa.struct([(label, pa.float64()) for label in LABELS])
OUTPUT_TYPES = {
    "label": pa.string(),
    "score": pa.float64(),
    "scores": SCORES_TYPE,
    "error": pa.string(),
}
DOCUMENT_TYPES = {
    "sentence_index": pa.int64(),
    "start": pa.int64(),
    "end": pa.int64(),
    "text": pa.string(),
}
#: The column that names each article in document mode, as in the CLI.
ID_COLUMN = "id"


class BatchLabeler:
    """Holds one model replica; Ray Data builds one per actor and feeds it batches.

    Args:
        bundle: A one-item list holding the ``ObjectRef`` of a :class:`ModelBundle`. The
            list keeps Ray from resolving the reference before ``__init__`` runs, so the
            fetch is timed with the load.
        text_column: The column with the text.
        document: Split each row into sentences (one output row per sentence).
        batch_size: Sentences per forward pass.
        threads: ONNX Runtime threads (the CPUs the actor reserved).
    """

    def __init__(
        self,
        bundle: list[Any],
        text_column: str,
        document: bool,
        batch_size: int,
        threads: int = 1,
    ) -> None:
        import ray

        started = time.perf_counter()
        model: ModelBundle = ray.get(bundle[0])
        fetched = time.perf_counter()
        self.classifier = load_model(model, threads=threads)
        #: Seconds to fetch the bundle and to load it; benchmarks/scaling.py reads them.
        self.timings = {
            "fetch_s": fetched - started,
            "load_s": time.perf_counter() - fetched,
        }
        self.text_column = text_column
        self.document = document
        self.batch_size = batch_size

    def __call__(self, batch: pa.Table) -> pa.Table:
        texts = _column(batch, self.text_column)
        if self.document:
            return self._sentences_of_articles(batch, texts)
        rows = [Row(i, {self.text_column: t}) for i, t in enumerate(texts)]
        errors = [_row_error(r.fields, self.text_column) for r in rows]
        out = list(_sentence_rows(self.classifier, rows, errors, self.text_column, self.batch_size))
        renames = input_renames(dict.fromkeys(batch.column_names))  # label -> input_label
        if renames:
            batch = batch.rename_columns([renames.get(n, n) for n in batch.column_names])
        for name in OUTPUT_FIELDS:
            values = pa.array([o.get(name) for o in out], type=OUTPUT_TYPES[name])
            batch = batch.append_column(name, values)
        return batch

    def _sentences_of_articles(self, batch: pa.Table, texts: list[Any]) -> pa.Table:
        ids = _column(batch, ID_COLUMN)
        rows = [
            Row(i, {ID_COLUMN: row_id, self.text_column: text})
            for i, (row_id, text) in enumerate(zip(ids, texts, strict=True))
        ]
        errors = [_row_error(r.fields, self.text_column) for r in rows]
        out = list(_document_rows(self.classifier, rows, errors, self.text_column, self.batch_size))
        types = {"row_id": batch.schema.field(ID_COLUMN).type, **DOCUMENT_TYPES, **OUTPUT_TYPES}
        return pa.table(
            {
                name: pa.array([o.get(name) for o in out], type=types[name])
                for name in [*DOCUMENT_FIELDS, "text", *OUTPUT_FIELDS]
            }
        )


def _column(batch: pa.Table, name: str) -> list[Any]:
    """A column as Python values; all None when the batch lacks it (every row an error)."""
    if name not in batch.column_names:
        return [None] * batch.num_rows
    return batch.column(name).to_pylist()
