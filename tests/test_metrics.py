"""Macro averages over the labels that occur, as scikit-learn does (issue 13)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import f1_score

from conflictnlp.evaluation.metrics import batched_macro_f1, compute_metrics, macro_f1


def test_labels_that_never_occur_do_not_count():
    y = np.array([0, 1])
    probs = np.eye(5)[[0, 1]]
    m = compute_metrics(y, probs)
    assert m["accuracy"] == 1.0 and m["macro_f1"] == 1.0  # was 0.40
    assert m["absent_labels"] == ["diplomatic_move", "allegation", "other"]
    assert m["macro_f1_ci95"] == [1.0, 1.0]


def test_a_label_only_predicted_still_counts():
    y, pred = np.array([0, 0, 1]), np.array([0, 2, 1])
    assert macro_f1(y, pred) == pytest.approx(f1_score(y, pred, average="macro"))
    assert compute_metrics(y, np.eye(5)[pred])["absent_labels"] == [
        "allegation",
        "other",
    ]


def test_batched_macro_f1_matches_sklearn_on_resamples_with_missing_labels():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 3, size=(50, 8))
    pred = rng.integers(0, 4, size=(50, 8))
    expected = [
        f1_score(t, p, average="macro", zero_division=0) for t, p in zip(y, pred, strict=True)
    ]
    np.testing.assert_allclose(batched_macro_f1(y, pred), expected)


def test_report_names_absent_labels(tmp_path):
    from conflictnlp.evaluation.report import ModelResult, Report

    y = np.array([0, 1])
    probs = np.eye(5)[[0, 1]]
    report = Report("mine", ["a", "b"], y, [ModelResult("m", probs, compute_metrics(y, probs))])
    assert "left out of the macro averages: diplomatic_move, allegation, other" in (
        report.to_markdown()
    )


def test_ordinary_flagged_counts_conflict_labels_on_gold_other_only() -> None:
    import math

    from conflictnlp.evaluation.metrics import ordinary_flagged
    from conflictnlp.labels import LABELS

    other, attack = LABELS.index("other"), LABELS.index("attack")
    truth = np.array([other, other, other, other, attack])
    predicted = np.array([other, attack, other, other, other])
    assert ordinary_flagged(truth, predicted) == 0.25  # the missed attack does not count
    assert math.isnan(ordinary_flagged(np.array([attack]), np.array([other])))
