"""``conflictnlp classify --engine ray``: label a folder of shards on a Ray cluster.

Input is a folder, a glob or a file of ``.parquet``, ``.jsonl`` or ``.csv``, read by Ray
Data's own readers; output is a folder of shards of the same format (JSON lines shards are named ``.json``,
which conflictnlp reads as ``.jsonl``), which Ray Data writes in parallel. The folder must be new or empty, so that
a finished folder holds one run's rows and nothing else.

Arrow readers need one type per column: a ``.jsonl`` line that is not JSON, or a text
field that is a string on one line and a number on another, stops the run with the
reader's message (exit code 2), where the one-process CLI marks that line. A text field
that is missing, null, empty or of another type in every row gets an ``error``.
"""

from __future__ import annotations

import glob
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .dataset import classify_dataset
from .ray_import import import_ray

if TYPE_CHECKING:
    import ray.data

FORMATS = {".parquet": "parquet", ".jsonl": "json", ".json": "json", ".csv": "csv"}


@dataclass
class ShardSummary:
    """What a run wrote: output rows, how many carry an ``error``, and the shard files."""

    outputs: int
    errors: int
    files: int


def input_files(pattern: str | os.PathLike) -> tuple[list[str], str]:
    """The files a folder, glob or single file names, and their one format.

    Raises:
        FileNotFoundError: Nothing matches.
        ValueError: Mixed or unsupported file types.
    """
    path = Path(pattern)
    if path.is_dir():
        files = sorted(str(p) for p in path.iterdir() if p.suffix.lower() in FORMATS)
    elif path.is_file():
        files = [str(path)]
    else:
        files = sorted(glob.glob(str(pattern)))
    if not files:
        raise FileNotFoundError(
            f"{pattern}: no .parquet, .jsonl or .csv files there; give a folder, a glob "
            "(quote it: 'shards/*.parquet') or a file."
        )
    suffixes = {Path(f).suffix.lower() for f in files}
    formats = {FORMATS.get(s) for s in suffixes}
    if None in formats or len(formats) != 1:
        raise ValueError(
            f"{pattern}: expected files of one type among .parquet, .jsonl, .csv; "
            f"found {', '.join(sorted(suffixes))}."
        )
    return files, formats.pop()  # type: ignore[return-value]


def check_output_dir(output: str | os.PathLike) -> Path:
    """Refuse an output folder that is a file or is not empty."""
    path = Path(output)
    if path.is_file() or (path.is_dir() and any(path.iterdir())):
        raise FileExistsError(
            f"{path} exists and is not empty; give a new folder, so that the output holds "
            "this run's rows only."
        )
    return path


def read_input(files: list[str], fmt: str, text_column: str) -> ray.data.Dataset:
    """A lazy dataset over ``files``; CSV text is read as text even when it looks numeric."""
    ray = import_ray()
    if fmt == "parquet":
        return ray.data.read_parquet(files)
    if fmt == "json":
        return ray.data.read_json(files, lines=True)
    import pyarrow as pa
    import pyarrow.csv as pacsv

    options = pacsv.ConvertOptions(column_types={text_column: pa.string()})
    return ray.data.read_csv(files, convert_options=options)


def write_output(ds: ray.data.Dataset, output: Path, fmt: str) -> None:
    """Write ``ds`` as shards of ``fmt``; CSV holds ``scores`` as JSON, like the CLI."""
    if fmt == "parquet":
        ds.write_parquet(str(output))
    elif fmt == "json":
        ds.write_json(str(output))  # JSON lines in .json files, which conflictnlp reads
    else:
        as_text = ds.map_batches(_scores_as_json, batch_format="pyarrow")
        as_text.write_csv(str(output))


def count_output(output: Path, fmt: str) -> ShardSummary:
    """Count the rows and errors actually written, by reading the ``error`` column back."""
    ray = import_ray()
    files, _ = input_files(output)
    if fmt == "parquet":
        errors = ray.data.read_parquet(files, columns=["error"])
    elif fmt == "json":
        errors = ray.data.read_json(files, lines=True).select_columns(["error"])
    else:
        import pyarrow as pa
        import pyarrow.csv as pacsv

        # CSV writes a null error as an empty field; read it back as null.
        options = pacsv.ConvertOptions(
            column_types={"error": pa.string()}, strings_can_be_null=True, include_columns=["error"]
        )
        errors = ray.data.read_csv(files, convert_options=options)
    counts = errors.map_batches(_count_errors, batch_format="pyarrow").sum(["rows", "errors"])
    if not counts:  # an empty dataset sums to None
        return ShardSummary(0, 0, len(files))
    return ShardSummary(int(counts["sum(rows)"]), int(counts["sum(errors)"]), len(files))


def classify_files(
    input_pattern: str | os.PathLike,
    output: str | os.PathLike,
    *,
    text_column: str = "text",
    document: bool = False,
    model: str | os.PathLike = "default",
    batch_size: int = 32,
    address: str | None = None,
) -> ShardSummary:
    """Label the shards under ``input_pattern`` into the folder ``output``.

    Joins the Ray cluster at ``address`` (``"auto"`` for the one this machine belongs
    to), starts a local one without it, or uses the Ray session already running in this
    process; only a Ray started here is stopped at the end.

    Raises:
        ImportError: Ray Data is not installed.
        FileNotFoundError, FileExistsError, ValueError: Bad input or output paths.
    """
    ray = import_ray()
    files, fmt = input_files(input_pattern)
    out_dir = check_output_dir(output)
    started_here = not ray.is_initialized()
    if started_here:
        # A local Ray gets one logical CPU more than the machine has cores: every core runs
        # a model replica, and the extra slot runs Ray Data's light read and write tasks.
        cpus = None if address else (os.cpu_count() or 1) + 1
        ray.init(address=address, num_cpus=cpus, logging_level="WARNING", include_dashboard=False)
    try:
        ds = read_input(files, fmt, text_column)
        labeled = classify_dataset(
            ds, text_column=text_column, document=document, model=model, batch_size=batch_size
        )
        write_output(labeled, out_dir, fmt)
        return count_output(out_dir, fmt)
    finally:
        if started_here:
            ray.shutdown()


def _scores_as_json(batch: Any) -> Any:
    """Replace the ``scores`` struct by its JSON text, which CSV can hold."""
    index = batch.schema.get_field_index("scores")
    if index < 0:
        return batch
    import pyarrow as pa

    text = [None if s is None else json.dumps(s) for s in batch.column(index).to_pylist()]
    return batch.set_column(index, "scores", pa.array(text, type=pa.string()))


def _count_errors(batch: Any) -> Any:
    import pyarrow as pa

    errors = batch.column("error").null_count if "error" in batch.column_names else 0
    flagged = batch.num_rows - errors if "error" in batch.column_names else 0
    return pa.table({"rows": [batch.num_rows], "errors": [flagged]})
