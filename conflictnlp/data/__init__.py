"""Labeled data: the written dataset, users' labeled files, and real-news builders.

``load_dataset`` is the one entry point: no argument for the written data, a path for a
user's files, or a builder's name (``"current-events"``) with the ``source`` it rebuilds
the text from.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import current_events, labeled, wikinews, wikinews_articles
from .labeled import (
    SHIPPED_FIELDS,
    SPLITS,
    DataError,
    read_labeled_file,
    shipped_data_dir,
    to_dataset,
)

#: The real-news corpora whose labels we ship, by name: each module rebuilds its text.
_BUILDER_MODULES = {module.NAME: module for module in (current_events, wikinews, wikinews_articles)}
BUILDERS = tuple(_BUILDER_MODULES)

__all__ = [
    "BUILDERS",
    "SHIPPED_FIELDS",
    "SPLITS",
    "DataError",
    "builder",
    "load_dataset",
    "load_pool",
    "read_labeled_file",
    "shipped_data_dir",
    "to_dataset",
    "with_articles",
    "with_real_news",
]


def load_dataset(
    path: str | Path | None = None,
    split: str | None = None,
    *,
    source: str | Path | None = None,
    strict: bool = False,
) -> Any:
    """Load the written dataset, a user's labeled files, or a real-news corpus we label.

    Args:
        path: None for the written data; a folder or ``.jsonl``/``.csv`` file of labeled
            rows; or the name of a real-news corpus whose labels we ship and whose text is
            rebuilt from ``source``: ``"current-events"`` (Wikipedia's daily summaries;
            train, validation and test), ``"wikinews-articles"`` (whole Wikinews
            reports; train and validation) or ``"wikinews-sources"`` (whole wire
            articles; a test split only, never trained on).
        split: Return only this split.
        source: For ``"current-events"``: the pinned snapshot of
            ``ianrastall/current-events-context`` (a folder, an archive or its URL). For
            ``"wikinews-sources"``: the pinned ``cleaned_endataset.json`` of
            ``airKlizz/WikinewsSum`` (the file, a clone's folder or its URL). For
            ``"wikinews-articles"``: the pinned ``data/wikinews/wikinews.jsonl`` of
            ``gmftbyGMFTBY/MomentumDecoding`` (the same).
        strict: For a real-news corpus: raise instead of warning when a label is unmatched.

    Returns:
        A ``datasets.DatasetDict`` with ``train``, ``validation``, ``test`` (or one
        ``Dataset``); ``label`` is a ``ClassLabel`` with names ``LABELS``.

    Example:
        >>> ds = load_dataset()
        >>> ds["train"].features["label"].names[0]
        'attack'
    """
    if path is not None and str(path) in _BUILDER_MODULES:
        corpus = builder(str(path))
        if source is None:
            where = getattr(corpus, "ARCHIVE_URL", None) or corpus.FILE_URL
            raise ValueError(
                f"load_dataset({corpus.NAME!r}) needs source=: the pinned copy of "
                f"{corpus.PINNED_REPO} at commit {corpus.PINNED_COMMIT} (or its URL, {where})."
            )
        return corpus.load(source, split, strict=strict)
    if source is not None:
        raise ValueError(f"source= is only for the builders {', '.join(BUILDERS)}.")
    return labeled.load_dataset(path, split)


def builder(name: str) -> Any:
    """The module that rebuilds the real-news corpus ``name`` (one of ``BUILDERS``)."""
    if name not in _BUILDER_MODULES:
        raise ValueError(f"Unknown corpus {name!r}; choose one of {', '.join(BUILDERS)}.")
    return _BUILDER_MODULES[name]


def with_real_news(splits: Any, source: str | Path) -> Any:
    """Join the current-events train and validation splits to ``splits``' own.

    The test splits stay apart: ``test`` is still ``splits``' test, and the real test
    split comes back as ``test_real``, so a model is always reported on both. Only the
    fields both corpora share are kept.
    """
    real = load_dataset(current_events.NAME, source=source)
    joined = _joined(splits, real)
    joined["test_real"] = real["test"]
    return joined


def with_articles(splits: Any, source: str | Path, keep_other: float = 1.0, seed: int = 0) -> Any:
    """Join the wikinews-articles train and validation splits to ``splits``' own.

    Whole reports, mostly ordinary sentences: what the current-events summaries lack.
    Every other split of ``splits`` (its tests) is kept as it is.

    Args:
        keep_other: The share of the reports' training sentences labeled ``other`` to
            keep, drawn with ``seed``; every conflict sentence and the whole validation
            split stay. The reports are about 89% ordinary prose: all of it outweighs the
            other training data and makes a model miss conflict sentences elsewhere.
    """
    if not 0.0 <= keep_other <= 1.0:
        raise ValueError(f"keep_other must be in [0, 1], got {keep_other!r}.")
    articles = load_dataset(wikinews_articles.NAME, source=source)
    if keep_other < 1.0:
        articles["train"] = _thinned_other(articles["train"], keep_other, seed)
    return _joined(splits, articles)


def _thinned_other(train: Any, keep: float, seed: int) -> Any:
    """``train`` with a seeded ``keep`` share of its ``other`` rows, in the original order."""
    import numpy as np

    labels = np.asarray(train["label"])
    is_other = labels == train.features["label"].str2int("other")
    other = np.flatnonzero(is_other)
    kept = np.random.default_rng(seed).choice(other, round(keep * len(other)), replace=False)
    return train.select(np.union1d(np.flatnonzero(~is_other), kept))


def _joined(splits: Any, extra: Any) -> Any:
    """``splits`` with ``extra``'s train and validation rows appended, shared fields only."""
    import datasets

    shared = [c for c in SHIPPED_FIELDS if c in splits["train"].column_names]
    out = datasets.DatasetDict(splits)
    for name in ("train", "validation"):
        parts = [splits[name].select_columns(shared), extra[name].select_columns(shared)]
        out[name] = datasets.concatenate_datasets(parts)
    return out


def load_pool(
    name_or_path: str, source: str | Path | None = None, last_year: int = 2021
) -> list[str]:
    """Unlabeled sentences for distillation, in a fixed order, without repeats.

    Args:
        name_or_path: ``"current-events"`` (every sentence of the snapshot ``source`` up
            to ``last_year``, never one of the validation or test sentences), or a text
            file with one sentence per line.
    """
    if name_or_path == current_events.NAME:
        if source is None:
            raise ValueError("The current-events pool needs source=: the snapshot.")
        return current_events.pool_sentences(source, last_year)
    path = Path(name_or_path)
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: no such pool file; pass 'current-events' or a .txt file with one "
            "sentence per line."
        )
    lines = path.read_text(encoding="utf-8").splitlines()
    return list(dict.fromkeys(line.strip() for line in lines if line.strip()))
