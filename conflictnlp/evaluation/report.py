"""``evaluate``: score one or more models on labeled sentences and build a report."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .. import __version__
from ..labels import LABELS
from .metrics import compute_metrics, paired_bootstrap

N_MISTAKES = 15


@dataclass
class ModelResult:
    """One model's predictions and metrics on the evaluated data."""

    name: str
    probs: np.ndarray
    metrics: dict[str, Any]
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class Report:
    """What ``evaluate`` returns: metrics per model, comparisons, and the data it used.

    ``save(dir)`` writes ``metrics.json``, ``report.md``, a self-contained ``report.html``
    and the PNG plots; ``to_markdown()`` returns the Markdown.
    """

    data_name: str
    texts: list[str]
    y_true: np.ndarray
    results: list[ModelResult]
    group_by: str | None = None
    comparisons: list[dict[str, Any]] = field(default_factory=list)

    @property
    def metrics(self) -> dict[str, Any]:
        """The first model's metrics, with groups and comparisons, as in metrics.json."""
        return self._metrics_json()

    def _metrics_json(self) -> dict[str, Any]:
        def one(result: ModelResult) -> dict[str, Any]:
            out: dict[str, Any] = {
                "model": result.name,
                "conflictnlp_version": __version__,
                "data": self.data_name,
            }
            out.update(result.metrics)
            if self.group_by:
                out["group_by"] = self.group_by
                out["groups"] = result.groups
            return out

        main = one(self.results[0])
        if len(self.results) > 1:
            main["models"] = [one(r) for r in self.results]
            main["comparisons"] = self.comparisons
        return main

    def mistakes(self, result: ModelResult, limit: int = N_MISTAKES) -> list[dict[str, Any]]:
        """The most confident wrong predictions: where a user should look first."""
        predicted = result.probs.argmax(axis=1)
        wrong = np.flatnonzero(predicted != self.y_true)
        confidence = result.probs.max(axis=1)
        ordered = wrong[np.argsort(-confidence[wrong], kind="stable")][:limit]
        return [
            {
                "text": self.texts[i],
                "gold": LABELS[int(self.y_true[i])],
                "predicted": LABELS[int(predicted[i])],
                "confidence": float(confidence[i]),
            }
            for i in ordered
        ]

    def to_markdown(self) -> str:
        from .report_render import render_markdown

        return render_markdown(self)

    def save(self, directory: str | Path) -> Path:
        """Write metrics.json, report.md, report.html and the plots into ``directory``."""
        from .report_render import write_report

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "metrics.json").write_text(
            json.dumps(self._metrics_json(), indent=2) + "\n", encoding="utf-8"
        )
        write_report(self, directory)
        return directory


def previous_sentences(dataset: Any) -> list[str | None]:
    """For rows that come from an article, the sentence before them (else None)."""
    columns = set(dataset.column_names)
    if not {"article_id", "position"} <= columns:
        return [None] * len(dataset)
    lookup = {
        (a, p): t
        for a, p, t in zip(dataset["article_id"], dataset["position"], dataset["text"], strict=True)
        if a
    }
    return [
        lookup.get((a, int(p) - 1)) if a and p is not None else None
        for a, p in zip(dataset["article_id"], dataset["position"], strict=True)
    ]


def subset_masks(test: Any, seen_settings: set[str] | None = None) -> dict[str, np.ndarray]:
    """Masks over a test set for the parts reported beside the whole.

    "article sentences" (rows with an ``article_id``), "unseen settings" (a ``setting`` not
    in ``seen_settings``) and "hard cases" (``hard`` true), where the fields exist.
    """
    columns = set(test.column_names)
    masks = {"all": np.ones(len(test), dtype=bool)}
    if "article_id" in columns:
        masks["article sentences"] = np.asarray([bool(a) for a in test["article_id"]], dtype=bool)
    if "setting" in columns and seen_settings is not None:
        masks["unseen settings"] = np.asarray([s not in seen_settings for s in test["setting"]])
    if "hard" in columns:
        masks["hard cases"] = np.asarray([bool(h) for h in test["hard"]], dtype=bool)
    return masks


def _resolve_data(data: Any) -> tuple[Any, str]:
    from ..data import SPLITS, load_dataset

    if isinstance(data, str) and data in SPLITS:
        return load_dataset(split=data), f"conflictnlp {data} split"
    if isinstance(data, str | Path):
        return load_dataset(data), str(data)
    return data, (getattr(data, "info", None) and data.info.description) or "dataset"


def evaluate(
    model: Any,
    data: Any = "test",
    group_by: str | None = None,
    batch_size: int = 64,
    names: Sequence[str] | None = None,
    data_name: str | None = None,
) -> Report:
    """Score a model (or several, compared pairwise) on labeled sentences.

    Args:
        model: A :class:`Classifier`, or a list of them to compare.
        data: A split name of the shipped data (``"test"``), a path to a labeled
            .jsonl/.csv file, or a ``datasets.Dataset`` with ``text`` and ``label``.
        group_by: A field of the data (e.g. ``"setting"``) to break every metric down by.
        batch_size: Sentences per forward pass.
        names: Display names for the models (default: each model's own name).
        data_name: How the report names the data (default: the split or file name).

    Returns:
        A :class:`Report`; ``report.save("DIR")`` writes it.

    Example:
        >>> report = evaluate(Classifier.from_pretrained("default"), "test")
        >>> round(report.metrics["macro_f1"], 2)  # doctest: +SKIP
        0.9
    """
    models = list(model) if isinstance(model, list | tuple) else [model]
    if not models:
        raise ValueError("evaluate needs at least one model.")
    dataset, resolved_name = _resolve_data(data)
    data_name = data_name or resolved_name
    if group_by is not None and group_by not in dataset.column_names:
        raise ValueError(
            f"Cannot group by {group_by!r}: the data has fields {', '.join(dataset.column_names)}."
        )
    texts = list(dataset["text"])
    y_true = np.asarray(dataset["label"], dtype=np.int64)
    contexts = previous_sentences(dataset)
    groups = [str(g) for g in dataset[group_by]] if group_by else []
    labels = names or [getattr(m, "name", f"model {i + 1}") for i, m in enumerate(models)]
    if len(set(labels)) < len(labels):
        labels = [f"{name} ({i + 1})" for i, name in enumerate(labels)]

    results = []
    for name, clf in zip(labels, models, strict=True):
        probs = clf.predict_proba(texts, batch_size=batch_size, contexts=contexts)
        result = ModelResult(name, probs, compute_metrics(y_true, probs))
        for value in sorted(set(groups)):
            members = np.asarray([g == value for g in groups])
            result.groups[value] = compute_metrics(y_true[members], probs[members])
        results.append(result)

    comparisons = []
    base = results[0]
    for other in results[1:]:
        test = paired_bootstrap(y_true, base.probs.argmax(1), other.probs.argmax(1))
        comparisons.append({"a": base.name, "b": other.name, **test})
    return Report(data_name, texts, y_true, results, group_by, comparisons)
