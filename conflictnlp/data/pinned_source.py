"""What every builder of a pinned public source shares: the sentence hash, the label
files, the download and how a build's problems reach the user.

A real-news corpus ships our labels keyed by a hash of each sentence, never the text;
its builder rebuilds the text from a public source pinned to one version. The builders
differ in how they read their source (``current_events``: daily YAML files;
``wikinews``: one JSON-lines file); the rules here are the same for all of them, so a
label file, a hash or a missing sentence means the same thing in every corpus.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import shutil
import unicodedata
import urllib.request
import warnings
from pathlib import Path
from typing import Any

from ..labels import LABEL2ID, LABELS

#: The columns every shipped label file starts with: the sentence's id and hash, its label
#: and second acceptable label, and the trail of the double annotation behind them.
LABEL_COLUMNS = (
    "id",
    "hash",
    "label",
    "label_alt",
    "annotator_a",
    "annotator_b",
    "adjudicated",
)


class SourceError(ValueError):
    """The source cannot be read; the message says which file and what to do."""


def normalise(text: str) -> str:
    """The form that is hashed: NFKC, case-folded, whitespace collapsed.

    Robust to the re-encodings a rebuilt text goes through (non-breaking spaces, line
    folding in YAML), strict about everything else, so a changed source sentence is noticed.
    """
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def sentence_hash(text: str) -> str:
    """16 hex digits of SHA-256 over the normalised sentence (64 bits: no collisions at our size)."""
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()[:16]


class HashedSentence:
    """Mixin for a rebuilt sentence: its ``hash`` is what the shipped labels are keyed by."""

    text: str

    @property
    def hash(self) -> str:
        return sentence_hash(self.text)


def read_label_rows(path: Path) -> list[dict[str, str]]:
    """The rows of one shipped label file (tab-separated, no text), labels checked."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    for line, row in enumerate(rows, start=2):
        if row.get("label") not in LABELS:
            raise ValueError(f"{path}, line {line}: unknown label {row.get('label')!r}")
    return rows


def download(url: str, target: Path) -> Path:
    """``url`` saved once at ``target`` (a partial file never takes its place)."""
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".part")
        try:
            with urllib.request.urlopen(url, timeout=60) as response, partial.open("wb") as out:
                shutil.copyfileobj(response, out)
        except OSError as exc:
            raise SourceError(
                f"could not download {url} ({exc}); download it on a machine with a network "
                "and pass the downloaded file (or the unpacked folder) as source."
            ) from exc
        partial.replace(target)
    return target


def labeled_record(
    row: dict[str, str],
    text: str,
    *,
    source: str,
    style: str,
    article_id: str,
    position: int,
    **extra: Any,
) -> dict[str, Any]:
    """A rebuilt sentence with its shipped label, in the written data's fields (``hard``
    marks a second acceptable label) plus ``label_alt``, ``source`` and ``extra``."""
    return {
        "id": row["id"],
        "text": text,
        "label": row["label"],
        "article_id": article_id,
        "position": position,
        "setting": "",
        "style": style,
        "hard": bool(row["label_alt"]),
        "label_alt": row["label_alt"],
        "source": source,
        **extra,
    }


def missing_line(missing: list[str], hint: str) -> str:
    """The report line naming the labels a build could not match, by id (20 at most)."""
    shown = ", ".join(missing[:20])
    more = f" and {len(missing) - 20} more" if len(missing) > 20 else ""
    return f"{len(missing)} labeled sentence(s) not found in the source: {shown}{more}. {hint}"


def report_build(summary: str, problem: bool, strict: bool) -> None:
    """Raise (``strict``) or warn when a build had a problem; otherwise log its summary."""
    if problem and strict:
        raise SourceError(summary)
    if problem:
        warnings.warn(summary, stacklevel=3)
    else:
        logging.getLogger("conflictnlp").info(summary)


def to_labeled_dataset(records: list[dict[str, Any]]) -> Any:
    """Rebuilt records (label names) as a ``datasets.Dataset`` with a ClassLabel."""
    from .labeled import to_dataset

    return to_dataset([{**r, "label": LABEL2ID[r["label"]]} for r in records])
