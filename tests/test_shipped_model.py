"""The few tests that load the real encoder: the shipped model and the smoke config."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conflictnlp import Classifier, classify, classify_document, load_dataset
from conflictnlp.inference.model_files import shipped_model_dir

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow

CLEAR_CASES = {
    "Artillery shells slammed into the northern suburbs overnight, residents said.": "attack",
    "At least 14 civilians were killed and 30 wounded in the blast, the health ministry said.": "casualty_report",
    "The two foreign ministers met in Ankara on Monday to discuss a ceasefire proposal.": "diplomatic_move",
    "The army accused the rebels of using schools as weapons depots, a charge they denied.": "allegation",
    "Food prices in the capital have tripled since the start of the year.": "other",
}


@pytest.mark.parametrize("name", ["default", "accurate"])
def test_shipped_model_is_small_and_complete(name):
    folder = shipped_model_dir(name)
    names = {p.name for p in folder.iterdir()}
    assert {
        "adapter_model.safetensors",
        "adapter_config.json",
        "config.json",
        "tokenizer.json",
        "README.md",
        "metrics.json",
    } <= names
    assert max(p.stat().st_size for p in folder.iterdir()) < 15 * 1024 * 1024


def test_each_shipped_model_runs_with_the_recipe_its_numbers_were_measured_with():
    # int8 rounding costs `accurate` 1.3 points of real-news macro-F1 on AVX-512 VNNI CPUs,
    # where its int8 export passes the agreement gate (docs/results.md, 0.9.1)
    recipes = {
        name: json.loads((shipped_model_dir(name) / "config.json").read_text())["conflictnlp"].get(
            "onnx_recipe", "int8"
        )
        for name in ("default", "accurate")
    }
    assert recipes == {"default": "int8", "accurate": "fp32"}
    assert "onnx_recipe: fp32" in (ROOT / "configs" / "accurate.yaml").read_text()


def test_classify_clear_cases():
    preds = classify(list(CLEAR_CASES))
    assert [p.label for p in preds] == list(CLEAR_CASES.values())
    assert all(p.score > 0.5 for p in preds)


def test_accurate_model_loads_with_one_line():
    # torch here: the int8 export of a 110M-parameter encoder takes a minute on 2 cores
    accurate = Classifier.from_pretrained("accurate", backend="torch")
    preds = accurate.predict(list(CLEAR_CASES))
    assert [p.label for p in preds] == list(CLEAR_CASES.values())
    assert accurate.settings.base_model == "all-mpnet-base-v2"
    assert accurate.name != Classifier.from_pretrained("default").name
    # the shared loaders take the name too
    from conflictnlp.inference import shortcuts

    shortcuts._shared["accurate"] = accurate  # reuse the loaded model, as classify would
    assert classify("Talks resumed in Doha.", model="accurate").label == "diplomatic_move"


def test_sample_article():
    article = (ROOT / "examples" / "sample_article.txt").read_text()
    preds = classify_document(article)
    assert len(preds) == 8
    assert all(article[p.start : p.end] == p.text for p in preds)
    labels = [p.label for p in preds]
    assert labels[1] == "attack" and labels[2] == "casualty_report"
    assert labels[3] == "allegation" and labels[5] == "diplomatic_move" and labels[7] == "other"


def test_int8_agrees_with_full_precision_on_the_test_split():
    test = load_dataset(split="test")
    texts = list(test["text"])
    full = Classifier.from_pretrained("default", backend="torch").predict_proba(texts).argmax(1)
    fast = Classifier.from_pretrained("default", backend="onnx").predict_proba(texts).argmax(1)
    disagreement = float((full != fast).mean())
    # docs/performance.md reports the measured rate; allow a little slack around it
    assert disagreement <= 0.015, disagreement


def test_int8_scores_do_not_depend_on_batch_mates():
    """Every test-split sentence alone and in batches of 32: same label, same scores.

    With per-batch (dynamic) activation scales, 6-10 of the 632 labels changed and scores
    moved by up to 0.43; the calibrated int8 model gives identical numbers (issue 13).
    """
    texts = list(load_dataset(split="test")["text"])
    clf = Classifier.from_pretrained("default", backend="onnx")
    batched = clf.predict_proba(texts, batch_size=32)
    alone = np.concatenate([clf.predict_proba([t]) for t in texts])
    assert (alone.argmax(1) == batched.argmax(1)).all()
    np.testing.assert_allclose(alone, batched, atol=1e-4)


def test_smoke_config_trains_a_loadable_model(tmp_path):
    from conflictnlp.cli import main

    assert (
        main(
            [
                "train",
                "--config",
                str(ROOT / "configs" / "smoke.yaml"),
                "--output",
                str(tmp_path / "smoke"),
            ]
        )
        == 0
    )
    clf = Classifier.from_pretrained(tmp_path / "smoke")
    assert clf.predict("Talks resumed in Geneva.").label in clf.labels
    metrics = json.loads((tmp_path / "smoke" / "metrics.json").read_text())
    assert np.isfinite(metrics["test"]["macro_f1"])
