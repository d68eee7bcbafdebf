"""Metrics for a report: scikit-learn for the standard ones, SciPy for the bootstrap.

Two things are computed here by hand: expected calibration error, which scikit-learn
lacks (``calibration_curve`` drops the bin weights ECE needs), and a vectorised macro-F1
for the bootstrap's thousand resamples, which would take seconds per interval through
``f1_score``; a test holds it equal to scikit-learn's.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.stats import bootstrap
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)

from ..labels import LABELS

N_RESAMPLES = 1000
_IDS = list(range(len(LABELS)))


def present_labels(y_true: np.ndarray, y_pred: np.ndarray) -> list[int]:
    """Label ids that occur in the gold labels or the predictions."""
    return sorted({int(v) for v in np.concatenate([np.ravel(y_true), np.ravel(y_pred)])})


def macro_f1(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Macro-F1 over the labels present in gold or predictions, as scikit-learn's default.

    A label that never occurs (in neither) has no F1 to speak of; counting it as 0 would
    make two correct rows score 0.40 (issue 13). ``compute_metrics`` names such labels.
    """
    labels = present_labels(y_true, y_pred)
    if not labels:
        return 0.0
    return float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0))


def ordinary_flagged(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Share of the gold ``other`` sentences given one of the four conflict labels.

    Macro-F1 weighs the four small conflict classes as much as ``other``; in a whole
    article most sentences are ordinary news, and this rate is what a user sees as
    false alarms per sentence read. NaN when there is no ``other`` sentence.
    """
    ordinary = np.asarray(y_true) == LABELS.index("other")
    if not ordinary.any():
        return float("nan")
    return float(np.mean(np.asarray(y_pred)[ordinary] != LABELS.index("other")))


def reliability_bins(probs: np.ndarray, y_true: np.ndarray, bins: int = 10) -> list[dict]:
    """Per-bin confidence, accuracy and count, for the reliability diagram."""
    confidence = probs.max(axis=1)
    correct = probs.argmax(axis=1) == y_true
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    rows = []
    for b in range(bins):
        members = which == b
        rows.append(
            {
                "low": float(edges[b]),
                "high": float(edges[b + 1]),
                "count": int(members.sum()),
                "confidence": float(confidence[members].mean()) if members.any() else None,
                "accuracy": float(correct[members].mean()) if members.any() else None,
            }
        )
    return rows


def expected_calibration_error(probs: np.ndarray, y_true: np.ndarray, bins: int = 10) -> float:
    """Weighted mean gap between confidence and accuracy over equal-width confidence bins."""
    total = len(y_true)
    return float(
        sum(
            b["count"] / total * abs(b["accuracy"] - b["confidence"])
            for b in reliability_bins(probs, y_true, bins)
            if b["count"]
        )
    )


def batched_macro_f1(y_true: np.ndarray, y_pred: np.ndarray, axis: int = -1) -> np.ndarray:
    """Macro-F1 over ``axis`` for every leading index at once, as :func:`macro_f1` does.

    Each resample averages over the labels present in its own gold or predictions.
    """
    t = np.moveaxis(np.asarray(y_true, dtype=np.int64), axis, -1)
    p = np.moveaxis(np.asarray(y_pred, dtype=np.int64), axis, -1)
    lead = t.shape[:-1]
    k = len(LABELS)
    rows = int(np.prod(lead)) if lead else 1
    cells = (t * k + p).reshape(rows, -1) + (np.arange(rows) * k * k)[:, None]
    cm = np.bincount(cells.ravel(), minlength=rows * k * k).reshape(rows, k, k)
    tp = np.diagonal(cm, axis1=1, axis2=2)
    denominator = cm.sum(axis=1) + cm.sum(axis=2)  # (tp + fn) + (tp + fp)
    present = denominator > 0
    f1 = np.divide(2 * tp, denominator, out=np.zeros(tp.shape), where=present)
    counts = present.sum(axis=-1)
    mean = np.divide(f1.sum(axis=-1), counts, out=np.zeros(counts.shape), where=counts > 0)
    return mean.reshape(lead)


def _paired_diff(t: np.ndarray, a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
    return batched_macro_f1(t, a, axis) - batched_macro_f1(t, b, axis)


def _bootstrap(statistic: Any, samples: tuple, seed: int) -> Any:
    return bootstrap(
        samples,
        statistic,
        paired=True,
        vectorized=True,
        n_resamples=N_RESAMPLES,
        method="percentile",
        random_state=seed,
    )


def macro_f1_interval(y_true: np.ndarray, y_pred: np.ndarray, seed: int = 0) -> list[float]:
    """95% percentile-bootstrap interval of macro-F1, resampling sentences."""
    if len(y_true) < 2:
        value = macro_f1(y_true, y_pred)
        return [value, value]
    result = _bootstrap(batched_macro_f1, (y_true, y_pred), seed)
    return [float(result.confidence_interval.low), float(result.confidence_interval.high)]


def paired_bootstrap(
    y_true: np.ndarray, pred_a: np.ndarray, pred_b: np.ndarray, seed: int = 0
) -> dict[str, Any]:
    """Macro-F1 difference A - B, its 95% interval and a two-sided bootstrap p-value."""
    result = _bootstrap(_paired_diff, (y_true, pred_a, pred_b), seed)
    dist = np.asarray(result.bootstrap_distribution)
    p = min(1.0, 2 * min(float((dist <= 0).mean()), float((dist >= 0).mean())))
    return {
        "difference": macro_f1(y_true, pred_a) - macro_f1(y_true, pred_b),
        "ci95": [float(result.confidence_interval.low), float(result.confidence_interval.high)],
        "p_value": p,
        "n_resamples": N_RESAMPLES,
    }


def compute_metrics(y_true: np.ndarray, probs: np.ndarray, seed: int = 0) -> dict[str, Any]:
    """Every number of a report for one model on one set of sentences."""
    y_true = np.asarray(y_true)
    y_pred = probs.argmax(axis=1)
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=_IDS, zero_division=0
    )
    present = set(present_labels(y_true, y_pred))
    return {
        "n": len(y_true),
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": macro_f1(y_true, y_pred),
        # Left out of the macro averages: in neither the gold labels nor the predictions.
        "absent_labels": [label for i, label in enumerate(LABELS) if i not in present],
        "macro_f1_ci95": macro_f1_interval(y_true, y_pred, seed),
        "per_label": {
            label: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, label in enumerate(LABELS)
        },
        "confusion_matrix": confusion_matrix(y_true, y_pred, labels=_IDS).tolist(),
        "ece": expected_calibration_error(probs, y_true),
    }
