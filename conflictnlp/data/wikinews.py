"""Real wire articles, the sources cited by Wikinews reports: a held-out evaluation corpus.

The current-events corpus is real text but not whole articles: one-line summaries, mostly
about events. What users classify is articles, whose sentences are mostly ordinary news
(quotes, background, business, courts), with long attributions. This corpus is every
English source article that the public ``WikinewsSum`` sample cites (news agencies,
newspapers, broadcasters, government and company pages, mostly 2004-2005), split into
sentences the way ``classify_document`` splits a document. It is never trained on: it is
a second source, written by other hands than the Wikipedia summaries, to check that what
a model learned transfers.

As with current-events, the package ships only our labels keyed by a hash of each
sentence; this module rebuilds the text from one file of the GitHub repository
``airKlizz/WikinewsSum``, pinned to the commit that last held it (the repository deleted
it later). The articles' text belongs to their publishers: nothing of it is redistributed
here, and the rebuilt text is for evaluation only (``docs/datacard.md``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

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

NAME = "wikinews-sources"
PIN = PinnedFile(
    corpus=NAME,
    repo="airKlizz/WikinewsSum",
    commit="1d985031625909c908766812e8a18d0c88116ec8",
    path="cleaned_endataset.json",
    #: a different file is named before any label is matched
    sha256="6302e69460f6b3e61ce730c3916758f5abe2d13e726760cf67aa8954aba452af",
)
PINNED_REPO, PINNED_COMMIT, FILE_NAME, FILE_URL = PIN.repo, PIN.commit, PIN.file_name, PIN.url
FILE_SHA256 = PIN.sha256
SPLITS = ("test",)
#: Columns of the shipped label file (tab-separated, no text).
LABEL_COLUMNS = (*pinned_source.LABEL_COLUMNS, "outlet")


@dataclass(frozen=True)
class Sentence(HashedSentence):
    """A sentence of a source article; ``id`` is ``ARTICLE/SOURCE/LINE/SENTENCE``.

    ``ARTICLE`` is the report's place among the file's records, ``SOURCE`` the position
    in its list of sources (all languages, so the numbering does not depend on the
    filter), ``LINE`` the paragraph and ``SENTENCE`` the position in it: stable for the
    pinned file.
    """

    id: str
    outlet: str
    text: str
    #: The sentence's place among all the segments of its source article, from 0.
    position: int

    @property
    def article_id(self) -> str:
        return self.id.rsplit("/", 2)[0]


def iter_sentences(path: str | Path) -> Iterator[Sentence]:
    """Every distinct English source sentence of the file, in file order.

    A sentence seen before (the same story cited twice, a repeated caption) is kept at
    its first place only.
    """
    seen: set[str] = set()
    for article, report in PIN.json_lines(Path(path)):
        for index, source in enumerate(report.get("sources") or []):
            if source.get("language") != "en" or not source.get("maintext"):
                continue
            outlet = urlparse(source.get("url") or "").netloc
            for suffix, text, position in paragraph_sentences(source["maintext"]):
                sentence = Sentence(f"{article}/{index}/{suffix}", outlet, text, position)
                if sentence.hash not in seen:
                    seen.add(sentence.hash)
                    yield sentence


def labels_dir() -> Path:
    return Path(str(resources.files("conflictnlp") / "resources" / "data" / "wikinews_sources"))


def read_labels(folder: str | Path | None = None) -> list[dict[str, str]]:
    """The shipped label rows of the test split (no text)."""
    return read_label_rows((labels_dir() if folder is None else Path(folder)) / "test.tsv")


def resolve_source(source: str | Path) -> Path:
    """The pinned JSON-lines file, from its path, a clone's folder or its URL."""
    return PIN.resolve(source)


def build(
    source: str | Path, labels: str | Path | None = None
) -> tuple[list[dict[str, Any]], FileBuildReport]:
    """Rebuild the labeled sentences: by id and hash, else by hash anywhere in the file."""
    path, report = PIN.start_build(source)
    matched = match_labels(read_labels(labels), list(iter_sentences(path)), report)
    records = [
        labeled_record(
            row,
            match.text,
            source=NAME,
            style="wire_article",
            article_id=match.article_id,
            position=match.position,
            outlet=match.outlet,
        )
        for row, match in matched
    ]
    return records, report


def export(source: str | Path, output: str | Path) -> FileBuildReport:
    """Write ``test.jsonl`` (the rebuilt labeled sentences) into ``output``."""
    records, report = build(source)
    write_splits({"test": records}, output)
    return report


def load(
    source: str | Path,
    split: str | None = None,
    *,
    labels: str | Path | None = None,
    strict: bool = False,
) -> Any:
    """The labeled article sentences as a ``DatasetDict`` with one split, ``test``.

    Args:
        source: The pinned file, a clone's folder holding it, or its URL.
        split: ``"test"`` to get the ``Dataset`` itself.
        labels: A folder with a ``test.tsv`` of labels (default: the shipped one).
        strict: Raise ``SourceError`` when a label is not matched or the file is not the
            pinned one, instead of warning.
    """
    if split is not None and split not in SPLITS:
        raise ValueError(f"{NAME} has only a test split (it is never trained on); got {split!r}.")
    records, report = build(source, labels)
    return to_dataset_dict({"test": records}, split, report, strict)
