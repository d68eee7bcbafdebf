"""What every builder of a pinned public source shares: the sentence hash, the label
files, the download and how a build's problems reach the user.

A real-news corpus ships our labels keyed by a hash of each sentence, never the text;
its builder rebuilds the text from a public source pinned to one version. The builders
differ in how they read their source (``current_events``: daily YAML files;
``wikinews`` and ``wikinews_articles``: one JSON-lines file each, a ``PinnedFile``); the
rules here are the same for all of them, so a label file, a hash or a missing sentence
means the same thing in every corpus.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import shutil
import unicodedata
import urllib.request
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
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

    id: str
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


@dataclass(frozen=True)
class PinnedFile:
    """One file of a public GitHub repository at one commit: where a corpus's text is read.

    The SHA-256 is checked on every build, so a file that is not the pinned one is named
    before its labels are matched, and its URL lets a user with a network fetch it.
    """

    corpus: str
    repo: str
    commit: str
    path: str
    sha256: str

    @property
    def file_name(self) -> str:
        return PurePosixPath(self.path).name

    @property
    def url(self) -> str:
        return f"https://raw.githubusercontent.com/{self.repo}/{self.commit}/{self.path}"

    def describe(self) -> str:
        return f"{self.path} of {self.repo} at commit {self.commit}"

    def resolve(self, source: str | Path) -> Path:
        """The pinned file, from its path, a clone's folder or its URL.

        A URL is downloaded once into the user cache (it needs a network; offline,
        download the file elsewhere and pass its path).
        """
        from ..cache import cache_root

        text = str(source)
        if text.startswith(("http://", "https://")):
            suffix = PurePosixPath(self.path).suffix
            return download(
                text, cache_root() / "sources" / f"{self.corpus}-{self.commit[:8]}{suffix}"
            )
        path = Path(source).expanduser()
        if path.is_dir():
            path = path / self.path if (path / self.path).is_file() else path / self.file_name
        if not path.is_file():
            raise SourceError(
                f"{path}: no such file. It is {self.describe()} (`git checkout {self.commit}` "
                f"in a clone of https://github.com/{self.repo}, or download {self.url})."
            )
        return path

    def start_build(self, source: str | Path) -> tuple[Path, FileBuildReport]:
        """The resolved file and an empty report that already knows the file's hash."""
        path = self.resolve(source)
        return path, FileBuildReport(
            self, file_sha256=hashlib.sha256(path.read_bytes()).hexdigest()
        )

    def json_lines(self, path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
        """``(record number, record)`` of each non-blank line; a bad line names its place."""
        lines = path.read_text(encoding="utf-8").splitlines()
        numbered = [(number, line) for number, line in enumerate(lines, start=1) if line.strip()]
        for record, (number, line) in enumerate(numbered):
            try:
                value = json.loads(line)
            except json.JSONDecodeError as error:
                value, problem = None, error.msg
            else:
                problem = f"a JSON {type(value).__name__}"
            if not isinstance(value, dict):
                raise SourceError(
                    f"{path}, line {number}: not a JSON object ({problem}); is it "
                    f"{self.describe()}?"
                )
            yield record, value


@dataclass
class FileBuildReport:
    """What a build from a ``PinnedFile`` found, and the labels it could not match (by id)."""

    pin: PinnedFile
    found: int = 0
    missing: list[str] = field(default_factory=list)
    file_sha256: str = ""

    @property
    def problem(self) -> bool:
        return bool(self.missing) or self.file_sha256 != self.pin.sha256

    def summary(self) -> str:
        lines = [f"{self.pin.corpus}: {self.found} labeled sentences matched."]
        if self.file_sha256 and self.file_sha256 != self.pin.sha256:
            lines.append(
                f"The source file's SHA-256 is {self.file_sha256}, not the pinned "
                f"{self.pin.sha256}: is it {self.pin.describe()}?"
            )
        if self.missing:
            lines.append(missing_line(self.missing, "Is the source the pinned file?"))
        return "\n".join(lines)


def match_labels(
    rows: Iterable[dict[str, str]], sentences: Sequence[HashedSentence], report: FileBuildReport
) -> list[tuple[dict[str, str], Any]]:
    """Each label row with its rebuilt sentence: by id and hash, else by hash anywhere.

    The id is where the sentence was when we labeled it; the hash is what it said. A
    sentence that moved (an edit above it) is still found by its hash; one whose words
    changed is not, and its id goes to ``report.missing``.
    """
    by_id = {s.id: s for s in sentences}
    by_hash = {s.hash: s for s in sentences}
    matched = []
    for row in rows:
        match = by_id.get(row["id"])
        if match is None or match.hash != row["hash"]:
            match = by_hash.get(row["hash"])
        if match is None:
            report.missing.append(row["id"])
            continue
        matched.append((row, match))
    report.found += len(matched)
    return matched


def to_dataset_dict(
    splits: dict[str, list[dict[str, Any]]],
    split: str | None,
    report: FileBuildReport,
    strict: bool,
) -> Any:
    """What a file builder's ``load`` returns: its report shown (or raised), then the
    rebuilt splits as a ``DatasetDict``, or the one ``split`` asked for."""
    import datasets

    report_build(report.summary(), report.problem, strict)
    out = datasets.DatasetDict({name: to_labeled_dataset(rows) for name, rows in splits.items()})
    return out[split] if split else out


def write_splits(splits: dict[str, list[dict[str, Any]]], output: str | Path) -> None:
    """One ``SPLIT.jsonl`` per split in ``output``, the layout ``load_dataset(output)`` reads."""
    folder = Path(output)
    folder.mkdir(parents=True, exist_ok=True)
    for split, rows in splits.items():
        lines = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        (folder / f"{split}.jsonl").write_text(lines, encoding="utf-8")
