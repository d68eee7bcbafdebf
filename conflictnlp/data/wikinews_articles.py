"""Whole Wikinews reports, mostly 2006-2011: real articles to train on, ordinary sentences and all.

The current-events corpus teaches the models real wording but not real articles: its
items are one-line summaries, almost all of them events. In an article most sentences
are ordinary news (politics, courts, business, statements, background), and that is
where the models give conflict labels to sentences that have none. This corpus is a
random sample of whole articles of English Wikinews, labeled sentence by sentence, with
a train and a validation split (by article, so no article is in both).

The text is the 2,000-report Wikinews sample published with the MomentumDecoding code
(``data/wikinews/wikinews.jsonl`` of ``gmftbyGMFTBY/MomentumDecoding``, pinned below):
English Wikinews articles, CC BY 2.5 (Wikinews contributors). As for every real corpus,
the package ships only our labels keyed by a hash of each sentence; this module rebuilds
the text. No report shares a sentence with the ``wikinews-sources`` evaluation corpus
(its reports or their sources; checked when the file was pinned), so that corpus stays
a source the models never saw; a report found to share one later goes into
``EXCLUDED_ARTICLES`` and is never sampled.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from . import pinned_source
from .article_text import paragraph_sentences
from .pinned_source import (
    FileBuildReport,
    HashedSentence,
    PinnedFile,
    labeled_record,
    match_labels,
    read_label_rows,
    to_dataset_dict,
    write_splits,
)

NAME = "wikinews-articles"
PIN = PinnedFile(
    corpus=NAME,
    repo="gmftbyGMFTBY/MomentumDecoding",
    commit="84f3d8ba9c30880675e854c5a6e619cecbc964e1",
    path="data/wikinews/wikinews.jsonl",
    sha256="5ce00cb0a375ad7b479df8d2134dd8c663b3e6644ec9dd0b48230451af47d34a",
)
PINNED_REPO, PINNED_COMMIT, FILE_NAME, FILE_URL = PIN.repo, PIN.commit, PIN.file_name, PIN.url
FILE_SHA256 = PIN.sha256
SPLITS = ("train", "validation")
#: One article in this many goes to validation, chosen by a hash of its id (``split_of``).
VALIDATION_EVERY = 5
LABEL_COLUMNS = pinned_source.LABEL_COLUMNS
#: Reports never sampled for labeling (none so far: see the module docstring).
EXCLUDED_ARTICLES: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Sentence(HashedSentence):
    """A sentence of a report; ``id`` is ``ARTICLE/LINE/SENTENCE``, stable for the pin.

    ``ARTICLE`` is the record's ``id`` field in the file.
    """

    id: str
    text: str
    #: The sentence's place among all the segments of its article, from 0.
    position: int

    @property
    def article_id(self) -> str:
        return self.id.split("/", 1)[0]


def split_of(article_id: str) -> str:
    """``train`` or ``validation``: fixed by a hash of the article's id, not by the sample."""
    digest = hashlib.sha256(f"{NAME}/{article_id}".encode()).hexdigest()
    return "validation" if int(digest[:8], 16) % VALIDATION_EVERY == 0 else "train"


def iter_articles(path: str | Path) -> Iterator[tuple[str, list[Sentence]]]:
    """``(article id, its distinct sentences)`` for every report of the file, in order.

    A sentence seen before in the file (a boilerplate line repeated by several reports)
    is kept at its first place only, so no sentence is in both splits.
    """
    seen: set[str] = set()
    for record_number, record in PIN.json_lines(Path(path)):
        article_id = str(record.get("id", record_number))
        sentences = []
        for suffix, text, position in paragraph_sentences(record.get("text") or ""):
            sentence = Sentence(f"{article_id}/{suffix}", text, position)
            if sentence.hash not in seen:
                seen.add(sentence.hash)
                sentences.append(sentence)
        yield article_id, sentences


def iter_sentences(path: str | Path) -> Iterator[Sentence]:
    """Every distinct sentence of the file, in file order."""
    for _, sentences in iter_articles(path):
        yield from sentences


def labels_dir() -> Path:
    return Path(str(resources.files("conflictnlp") / "resources" / "data" / "wikinews_articles"))


def read_labels(folder: str | Path | None = None) -> dict[str, list[dict[str, str]]]:
    """The shipped label rows of each split (no text)."""
    root = labels_dir() if folder is None else Path(folder)
    return {split: read_label_rows(root / f"{split}.tsv") for split in SPLITS}


def resolve_source(source: str | Path) -> Path:
    """The pinned JSON-lines file, from its path, a clone's folder or its URL."""
    return PIN.resolve(source)


def build(
    source: str | Path, labels: str | Path | None = None
) -> tuple[dict[str, list[dict[str, Any]]], FileBuildReport]:
    """Rebuild the labeled sentences of both splits: by id and hash, else by hash."""
    path, report = PIN.start_build(source)
    sentences = list(iter_sentences(path))
    splits = {
        split: [
            labeled_record(
                row,
                match.text,
                source=NAME,
                style="wire_article",
                article_id=match.article_id,
                position=match.position,
            )
            for row, match in match_labels(rows, sentences, report)
        ]
        for split, rows in read_labels(labels).items()
    }
    return splits, report


def export(source: str | Path, output: str | Path) -> FileBuildReport:
    """Write ``train.jsonl`` and ``validation.jsonl`` (the rebuilt sentences) into ``output``."""
    splits, report = build(source)
    write_splits(splits, output)
    return report


def load(
    source: str | Path,
    split: str | None = None,
    *,
    labels: str | Path | None = None,
    strict: bool = False,
) -> Any:
    """The labeled report sentences as a ``DatasetDict`` (``train``, ``validation``).

    Args:
        source: The pinned file, a clone's folder holding it, or its URL.
        split: ``"train"`` or ``"validation"`` to get that ``Dataset`` itself.
        labels: A folder with ``train.tsv`` and ``validation.tsv`` (default: the shipped ones).
        strict: Raise ``SourceError`` when a label is not matched or the file is not the
            pinned one, instead of warning.
    """
    if split is not None and split not in SPLITS:
        raise ValueError(
            f"{NAME} has the splits {', '.join(SPLITS)} (no test split: whole articles are "
            f"tested on wikinews-sources); got {split!r}."
        )
    splits, report = build(source, labels)
    return to_dataset_dict(splits, split, report, strict)
