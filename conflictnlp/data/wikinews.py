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

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ..sentences import split_sentences
from . import pinned_source
from .current_events import write_splits
from .pinned_source import (
    HashedSentence,
    SourceError,
    download,
    labeled_record,
    missing_line,
    read_label_rows,
    report_build,
    to_labeled_dataset,
)

NAME = "wikinews-sources"
PINNED_REPO = "airKlizz/WikinewsSum"
PINNED_COMMIT = "1d985031625909c908766812e8a18d0c88116ec8"
FILE_NAME = "cleaned_endataset.json"
FILE_URL = f"https://raw.githubusercontent.com/{PINNED_REPO}/{PINNED_COMMIT}/{FILE_NAME}"
#: SHA-256 of the pinned file: a different file is named before any label is matched.
FILE_SHA256 = "6302e69460f6b3e61ce730c3916758f5abe2d13e726760cf67aa8954aba452af"
SPLITS = ("test",)
#: Columns of the shipped label file (tab-separated, no text).
LABEL_COLUMNS = (*pinned_source.LABEL_COLUMNS, "outlet")
#: Shorter lines are captions, bylines and datelines, not sentences a reader would code.
MIN_WORDS = 4
_SENTENCE_END = re.compile(r"[.!?][\"”’')\]]*$")


@dataclass(frozen=True)
class Sentence(HashedSentence):
    """A sentence of a source article; ``id`` is ``ARTICLE/SOURCE/LINE/SENTENCE``.

    ``ARTICLE`` is the report's line in the file, ``SOURCE`` the position in its list of
    sources (all languages, so the numbering does not depend on the filter), ``LINE`` the
    paragraph and ``SENTENCE`` the position in it: stable for the pinned file.
    """

    id: str
    outlet: str
    text: str
    #: The sentence's place among all the segments of its source article, from 0.
    position: int

    @property
    def article_id(self) -> str:
        return self.id.rsplit("/", 2)[0]


@dataclass
class BuildReport:
    """What a build found, and the labels it could not match (by id)."""

    found: int = 0
    missing: list[str] = field(default_factory=list)
    file_sha256: str = ""

    def summary(self) -> str:
        lines = [f"{NAME}: {self.found} labeled sentences matched."]
        if self.file_sha256 and self.file_sha256 != FILE_SHA256:
            lines.append(
                f"The source file's SHA-256 is {self.file_sha256}, not the pinned "
                f"{FILE_SHA256}: is it {FILE_NAME} of {PINNED_REPO} at commit {PINNED_COMMIT}?"
            )
        if self.missing:
            lines.append(missing_line(self.missing, "Is the source the pinned file?"))
        return "\n".join(lines)


def is_sentence(text: str) -> bool:
    """A line a coder would label: at least ``MIN_WORDS`` words and a sentence end."""
    return len(text.split()) >= MIN_WORDS and bool(_SENTENCE_END.search(text))


def iter_sentences(path: str | Path) -> Iterator[Sentence]:
    """Every distinct English source sentence of the file, in file order.

    Each paragraph (a line of the scraped text) is split on its own, so a headline line
    never runs into the first sentence. A sentence seen before (the same story cited
    twice, a repeated caption) is kept at its first place only.
    """
    seen: set[str] = set()
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    reports = [(number, line) for number, line in enumerate(lines, start=1) if line.strip()]
    for article, (number, line) in enumerate(reports):
        try:
            report = json.loads(line)
        except json.JSONDecodeError as error:
            raise SourceError(
                f"{path}, line {number}: not a JSON object ({error.msg}); is it {FILE_NAME} "
                f"of {PINNED_REPO} at commit {PINNED_COMMIT}?"
            ) from None
        for index, source in enumerate(report.get("sources") or []):
            if source.get("language") != "en" or not source.get("maintext"):
                continue
            outlet = urlparse(source.get("url") or "").netloc
            segments = (
                (f"{article}/{index}/{line_number}/{position}", text)
                for line_number, paragraph in enumerate(source["maintext"].split("\n"))
                for position, (text, _, _) in enumerate(split_sentences(paragraph))
            )
            for order, (sentence_id, text) in enumerate(segments):
                sentence = Sentence(sentence_id, outlet, text, order)
                if not is_sentence(text) or sentence.hash in seen:
                    continue
                seen.add(sentence.hash)
                yield sentence


def labels_dir() -> Path:
    return Path(str(resources.files("conflictnlp") / "resources" / "data" / "wikinews_sources"))


def read_labels(folder: str | Path | None = None) -> list[dict[str, str]]:
    """The shipped label rows of the test split (no text)."""
    return read_label_rows((labels_dir() if folder is None else Path(folder)) / "test.tsv")


def resolve_source(source: str | Path) -> Path:
    """The pinned JSON-lines file, from its path, a clone's folder or its URL.

    A URL is downloaded once into the user cache (it needs a network; offline, download
    the file elsewhere and pass its path).
    """
    from ..cache import cache_root

    text = str(source)
    if text.startswith(("http://", "https://")):
        return download(text, cache_root() / "sources" / f"{NAME}-{PINNED_COMMIT[:8]}.json")
    path = Path(source).expanduser()
    if path.is_dir():
        path = path / FILE_NAME
    if not path.is_file():
        raise SourceError(
            f"{path}: no such file. It is {FILE_NAME} of https://github.com/{PINNED_REPO} at "
            f"commit {PINNED_COMMIT} (`git checkout {PINNED_COMMIT}` in a clone, or download "
            f"{FILE_URL})."
        )
    return path


def build(
    source: str | Path, labels: str | Path | None = None
) -> tuple[list[dict[str, Any]], BuildReport]:
    """Rebuild the labeled sentences: by id and hash, else by hash anywhere in the file."""
    path = resolve_source(source)
    report = BuildReport(file_sha256=hashlib.sha256(path.read_bytes()).hexdigest())
    sentences = list(iter_sentences(path))
    by_id = {s.id: s for s in sentences}
    by_hash = {s.hash: s for s in sentences}
    records = []
    for row in read_labels(labels):
        match = by_id.get(row["id"])
        if match is None or match.hash != row["hash"]:
            match = by_hash.get(row["hash"])
        if match is None:
            report.missing.append(row["id"])
            continue
        records.append(
            labeled_record(
                row,
                match.text,
                source=NAME,
                style="wire_article",
                article_id=match.article_id,
                position=match.position,
                outlet=match.outlet,
            )
        )
    report.found = len(records)
    return records, report


def export(source: str | Path, output: str | Path) -> BuildReport:
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
    import datasets

    if split is not None and split not in SPLITS:
        raise ValueError(f"{NAME} has only a test split (it is never trained on); got {split!r}.")
    records, report = build(source, labels)
    problem = bool(report.missing) or report.file_sha256 != FILE_SHA256
    report_build(report.summary(), problem, strict)
    test = to_labeled_dataset(records)
    return test if split else datasets.DatasetDict({"test": test})
