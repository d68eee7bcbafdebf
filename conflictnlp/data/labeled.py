"""The shipped dataset and the loader for users' own labeled files.

Every file, ours or a user's, goes through the same checks, and a problem is reported
with the file, the line and what to do, so a bad row never trains a model silently.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from ..labels import LABEL2ID, LABELS
from ..records import read_rows

SPLITS = ("train", "validation", "test")
#: Fields of the shipped data; a user's file needs only ``text`` and ``label``.
SHIPPED_FIELDS = ("id", "text", "label", "article_id", "position", "setting", "style", "hard")
#: The kinds of source the written sentences imitate (the ``style`` field).
STYLES = (
    "wire",
    "headline",
    "government_statement",
    "military_statement",
    "armed_group_statement",
    "un_statement",
    "ngo_report",
    "local_media",
    "social_media_claim",
    "analysis",
    "eyewitness",
    # 0.5: the ordinary news next to conflict reporting
    "court_report",
    "business",
    "sport",
)
_MAX_REPORTED = 10


class DataError(ValueError):
    """A labeled file has rows that cannot be used; the message lists them."""


def shipped_data_dir() -> Path:
    return Path(str(resources.files("conflictnlp") / "resources" / "data"))


def _label_id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and 0 <= value < len(LABELS):
        return value
    if isinstance(value, str):
        name = value.strip()
        if name in LABEL2ID:
            return LABEL2ID[name]
        if name.isdigit() and int(name) < len(LABELS):
            return int(name)
    return None


def read_labeled_file(path: str | Path) -> list[dict[str, Any]]:
    """Read and check a labeled .jsonl or .csv file.

    Returns:
        The rows with ``label`` as an integer id and an ``id`` for every row (the line
        number where the file has none). All other fields are kept.

    Raises:
        DataError: Listing each unreadable line, missing or empty text, unknown label and
            duplicate id, by line number.
    """
    path = Path(path)
    rows: list[dict[str, Any]] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for row in read_rows(path):
        where = f"{path}, line {row.line}"
        if row.error:
            problems.append(f"{where}: {row.error}; fix or delete the line.")
            continue
        record = dict(row.fields)
        text = record.get("text")
        if not isinstance(text, str) or not text.strip():
            found = (
                "missing" if text is None else ("empty" if isinstance(text, str) else "not text")
            )
            problems.append(f"{where}: the 'text' field is {found}; every row needs a sentence.")
            continue
        label = _label_id(record.get("label"))
        if label is None:
            problems.append(
                f"{where}: unknown label {record.get('label')!r}; use one of {', '.join(LABELS)} "
                "(or their ids 0-4)."
            )
            continue
        record["label"] = label
        record_id = str(record.get("id") or f"line-{row.line}")
        if record_id in seen:
            problems.append(
                f"{where}: duplicate id {record_id!r} (first on line {seen[record_id]}); "
                "ids must be unique."
            )
            continue
        seen[record_id] = row.line
        record["id"] = record_id
        rows.append(record)
    if problems:
        more = len(problems) - _MAX_REPORTED
        listed = "\n  ".join(problems[:_MAX_REPORTED])
        tail = f"\n  ... and {more} more" if more > 0 else ""
        raise DataError(f"{len(problems)} bad row(s) in {path}:\n  {listed}{tail}")
    if not rows:
        raise DataError(f"{path} has no labeled rows; it needs 'text' and 'label' fields.")
    return rows


def to_dataset(rows: list[dict[str, Any]]) -> Any:
    """Build a ``datasets.Dataset`` whose ``label`` is a ClassLabel over ``LABELS``."""
    import datasets

    columns = {
        key: [row.get(key) for row in rows] for key in dict.fromkeys(k for r in rows for k in r)
    }
    from ..quiet import quiet

    with quiet():
        dataset = datasets.Dataset.from_dict(columns)
        return dataset.cast_column("label", datasets.ClassLabel(names=list(LABELS)))


def load_dataset(path: str | Path | None = None, split: str | None = None) -> Any:
    """Load the shipped dataset, or a user's labeled file, checked.

    Args:
        path: None for the shipped data; a folder holding ``train``/``validation``/``test``
            ``.jsonl`` or ``.csv`` files; or one ``.jsonl``/``.csv`` file.
        split: With the shipped data or a folder, return only this split.

    Returns:
        A ``datasets.DatasetDict`` with ``train``, ``validation`` and ``test`` (or one
        ``Dataset`` for a single file or when ``split`` is given); ``label`` is a
        ``ClassLabel`` with names ``LABELS``.

    Example:
        >>> ds = load_dataset()
        >>> ds["train"].features["label"].names[0]
        'attack'
    """
    import datasets

    folder = shipped_data_dir() if path is None else Path(path)
    if folder.is_file() or (folder.suffix and not folder.is_dir()):
        return to_dataset(read_labeled_file(folder))
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such file or folder.")
    if split is not None and split not in SPLITS:
        raise ValueError(f"Unknown split {split!r}; choose one of {', '.join(SPLITS)}.")
    wanted = [split] if split else list(SPLITS)
    loaded = {}
    for name in wanted:
        files = [folder / f"{name}{ext}" for ext in (".jsonl", ".csv")]
        found = [f for f in files if f.is_file()]
        if not found:
            raise FileNotFoundError(f"{folder} has no {name}.jsonl or {name}.csv.")
        loaded[name] = to_dataset(read_labeled_file(found[0]))
    return loaded[split] if split else datasets.DatasetDict(loaded)
