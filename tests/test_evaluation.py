"""Metrics against hand-checked cases and scikit-learn, and the report files."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.metrics import f1_score

from conflictnlp import Classifier, evaluate
from conflictnlp.data import load_dataset
from conflictnlp.evaluation.metrics import (
    batched_macro_f1,
    compute_metrics,
    expected_calibration_error,
    paired_bootstrap,
)


def onehot(preds, conf=0.9, k=5):
    probs = np.full((len(preds), k), (1 - conf) / (k - 1))
    probs[np.arange(len(preds)), preds] = conf
    return probs


def test_hand_checked_metrics():
    y = np.array([0, 0, 1, 1, 2, 3, 4, 4])
    pred = np.array([0, 1, 1, 1, 2, 3, 4, 0])
    m = compute_metrics(y, onehot(pred))
    assert m["n"] == 8 and m["accuracy"] == pytest.approx(6 / 8)
    # attack: P=1/2 R=1/2; casualty: P=2/3 R=1; diplomatic, allegation: 1; other: P=1 R=1/2
    assert m["per_label"]["attack"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    assert m["per_label"]["casualty_report"]["f1"] == pytest.approx(0.8)
    assert m["per_label"]["other"]["f1"] == pytest.approx(2 / 3)
    assert m["macro_f1"] == pytest.approx((0.5 + 0.8 + 1 + 1 + 2 / 3) / 5)
    assert m["confusion_matrix"][0] == [1, 1, 0, 0, 0]
    assert m["confusion_matrix"][4] == [1, 0, 0, 0, 1]
    low, high = m["macro_f1_ci95"]
    assert low <= m["macro_f1"] <= high


def test_batched_macro_f1_equals_sklearn():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 5, (7, 60))
    pred = np.where(rng.random((7, 60)) < 0.6, y, rng.integers(0, 4, (7, 60)))
    expected = [
        f1_score(t, p, labels=range(5), average="macro", zero_division=0)
        for t, p in zip(y, pred, strict=False)
    ]
    np.testing.assert_allclose(batched_macro_f1(y, pred), expected)


def test_ece_hand_case():
    # four predictions at 0.9 confidence, three right: |0.75 - 0.9| = 0.15
    y = np.array([0, 0, 0, 1])
    assert expected_calibration_error(onehot([0, 0, 0, 0]), y) == pytest.approx(0.15)
    # perfect calibration: confidence 1.0 and all right
    assert expected_calibration_error(onehot([0, 0], conf=1.0), np.array([0, 0])) == 0.0


def test_paired_bootstrap_detects_a_clear_winner():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 5, 300)
    good = y.copy()
    bad = np.where(rng.random(300) < 0.5, (y + 1) % 5, y)
    result = paired_bootstrap(y, good, bad)
    assert result["difference"] > 0.3 and result["p_value"] < 0.01
    same = paired_bootstrap(y, good, good)
    assert same["difference"] == 0 and same["p_value"] == 1.0


def test_evaluate_agrees_with_sklearn_and_writes_files(tiny_model_dir, tiny_data_dir, tmp_path):
    clf = Classifier.from_pretrained(tiny_model_dir)
    data = load_dataset(tiny_data_dir / "test.jsonl")
    report = evaluate(clf, data, group_by="setting")
    preds = clf.predict_proba(data["text"]).argmax(1)
    assert report.metrics["macro_f1"] == pytest.approx(
        f1_score(data["label"], preds, average="macro", labels=range(5), zero_division=0)
    )
    out = report.save(tmp_path / "report")
    names = {p.name for p in out.iterdir()}
    assert {
        "metrics.json",
        "report.md",
        "report.html",
        "confusion_matrix_tiny.png",
        "reliability_tiny.png",
    } <= names
    metrics = json.loads((out / "metrics.json").read_text())
    for key in (
        "n",
        "accuracy",
        "macro_f1",
        "macro_f1_ci95",
        "per_label",
        "confusion_matrix",
        "ece",
        "model",
        "conflictnlp_version",
    ):
        assert key in metrics
    assert set(metrics["groups"]) == {"s0", "s1"}
    assert sum(g["n"] for g in metrics["groups"].values()) == metrics["n"] == 25
    html = (out / "report.html").read_text()
    assert "data:image/png;base64," in html and "<img" in html and 'src="confusion' not in html
    md = (out / "report.md").read_text()
    assert "Most confident mistakes" in md and "Per label" in md and "By setting" in md


def test_comparison_of_two_models(tiny_model_dir, tiny_data_dir, tmp_path):
    a = Classifier.from_pretrained(tiny_model_dir)
    b = Classifier.from_pretrained(tiny_model_dir, backend="torch")
    report = evaluate([a, b], tiny_data_dir / "test.jsonl")
    assert len(report.metrics["models"]) == 2
    (cmp,) = report.metrics["comparisons"]
    assert {"difference", "ci95", "p_value"} <= set(cmp)
    assert "Model comparison" in report.to_markdown()


def test_group_by_unknown_field(tiny_model_dir, tiny_data_dir):
    clf = Classifier.from_pretrained(tiny_model_dir)
    with pytest.raises(ValueError, match="Cannot group by 'region'"):
        evaluate(clf, tiny_data_dir / "test.jsonl", group_by="region")
