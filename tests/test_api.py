"""The public API contract, on the tiny model."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import warnings
from concurrent.futures import ThreadPoolExecutor

import pytest

import conflictnlp
from conflictnlp import LABELS, Classifier, Prediction, classify, classify_document


@pytest.fixture(scope="module")
def clf(tiny_model_dir):
    return Classifier.from_pretrained(tiny_model_dir)


def test_labels_and_exports():
    assert LABELS == ("attack", "casualty_report", "diplomatic_move", "allegation", "other")
    assert set(conflictnlp.__all__) >= {
        "LABELS",
        "Prediction",
        "Classifier",
        "classify",
        "classify_document",
        "evaluate",
        "load_dataset",
        "train",
    }


def test_prediction_is_frozen():
    p = Prediction("x", "attack", 0.9, dict.fromkeys(LABELS, 0.2))
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.label = "other"  # type: ignore[misc]


def test_single_and_batch(clf):
    one = classify("Rebels shelled the airport.", model=clf)
    assert isinstance(one, Prediction)
    assert one.label in LABELS
    assert one.score == max(one.scores.values())
    assert list(one.scores) == list(LABELS)
    assert sum(one.scores.values()) == pytest.approx(1.0, abs=1e-5)
    assert one.start is None and one.end is None
    texts = ["Talks resumed.", "A long sentence " * 10, "Shelling went on."]
    many = classify(iter(texts), model=clf)  # any iterable
    assert [p.text for p in many] == texts
    again = classify(texts[2], model=clf)
    assert again == classify(texts[2], model=clf)  # deterministic
    # int8 dynamic quantisation scales activations per batch: alone or batched, a sentence
    # gets the same label and nearly the same scores
    assert again.label == many[2].label
    assert again.score == pytest.approx(many[2].score, abs=0.02)


def test_temperature_is_applied(clf, tiny_model_dir):
    import numpy as np

    raw = Classifier.from_pretrained(tiny_model_dir)
    raw.settings.temperature = 1.0
    text = ["Rebels shelled the airport."]
    # a temperature above 1 flattens the distribution
    assert np.max(clf.predict_proba(text)) < np.max(raw.predict_proba(text))


@pytest.mark.parametrize(
    ("bad", "error", "match"),
    [
        (None, TypeError, "got NoneType"),
        (42, TypeError, "int"),
        ("", ValueError, "The text is empty or blank"),
        ("   ", ValueError, "The text is empty or blank"),
        ([""], ValueError, "Item 0 is empty or blank"),
        (["fine", None], TypeError, "Item 1 is NoneType"),
        (["fine", "ok", " "], ValueError, "Item 2 is empty"),
        (["fine", 3.5], TypeError, "Item 1 is float"),
    ],
)
def test_bad_input(clf, bad, error, match):
    with pytest.raises(error, match=match):
        classify(bad, model=clf)


def test_classify_document_bad_input(clf):
    with pytest.raises(ValueError, match="empty or blank"):
        classify_document("  \n ", model=clf)
    with pytest.raises(TypeError, match="got list"):
        classify_document(["a list"], model=clf)  # type: ignore[arg-type]


def test_long_text_truncated_with_one_warning(tiny_model_dir):
    clf = Classifier.from_pretrained(tiny_model_dir)
    long_text = "The convoy moved on. " * 1250  # 5,000 words
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf.predict(long_text)
        clf.predict([long_text, long_text])
    truncation = [w for w in caught if "truncated" in str(w.message)]
    assert len(truncation) == 1


def test_classify_document_offsets(clf):
    text = (
        "Maj. Gen. Ivan Petrov said the U.S. envoy had arrived. "
        '"We will not retreat," he said.\n\nSome 3.5 million people have fled.  '
        "It did not give details."
    )
    preds = classify_document(text, model=clf)
    assert [p.text for p in preds] == [
        "Maj. Gen. Ivan Petrov said the U.S. envoy had arrived.",
        '"We will not retreat," he said.',
        "Some 3.5 million people have fled.",
        "It did not give details.",
    ]
    for p in preds:
        assert text[p.start : p.end] == p.text


def test_thread_safe_and_deterministic(clf):
    texts = [f"Clashes broke out in district {i} on Monday." for i in range(40)]
    expected = [clf.predict(t).scores for t in texts]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda t: clf.predict(t).scores, texts))
    assert results == expected


def test_load_prints_nothing(tiny_model_dir, capfd):
    clf = Classifier.from_pretrained(tiny_model_dir, backend="torch")
    clf.predict("Shelling resumed.")
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_import_is_cheap():
    code = (
        "import sys, conflictnlp; from conflictnlp import classify, LABELS; "
        "heavy = [m for m in ('torch', 'transformers', 'onnxruntime', 'datasets') "
        "if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
