"""benchmarks/decision_bias.py: the offset it fits, and the cross-fit that judges it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import ROOT, load_script

from conflictnlp import LABELS

OTHER = LABELS.index("other")


@pytest.fixture
def bias(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))  # it imports model_comparison
    return load_script("benchmarks", "decision_bias")


def _overflagging_model(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Gold labels, half `other`, and log-probabilities of a model that is right about
    the conflict sentences but gives `attack` a little too much weight on `other` ones."""
    rng = np.random.default_rng(seed)
    y = np.where(np.arange(n) % 2 == 0, OTHER, rng.integers(0, OTHER, n))
    logits = rng.normal(0, 0.3, (n, len(LABELS)))
    logits[np.arange(n), y] += 1.0
    logits[y == OTHER, 0] += np.linspace(0.0, 1.5, int((y == OTHER).sum()))
    return y, logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))


def test_the_fitted_offset_moves_the_decision_toward_other_and_helps(bias: Any) -> None:
    y, log_probs = _overflagging_model(400, 0)
    offset = bias.fit_bias(y, log_probs, [OTHER])
    assert offset[OTHER] > 0 and np.count_nonzero(offset) == 1
    before = bias.macro_f1(y, log_probs.argmax(axis=1))
    assert bias.macro_f1(y, (log_probs + offset).argmax(axis=1)) > before
    # a model with nothing to correct gets no offset: ties keep the smallest one
    perfect = np.where(np.eye(len(LABELS))[y] > 0, 0.0, -5.0)
    assert not bias.fit_bias(y, perfect, list(range(len(LABELS)))).any()


def test_halves_keep_an_article_together_and_cover_every_row(bias: Any) -> None:
    groups = ["a", "a", "b", "c", "c", "c", "d"]
    first, second = bias.halves(groups, np.random.default_rng(1))
    assert sorted([*first, *second]) == list(range(len(groups)))
    assert {groups[i] for i in first}.isdisjoint({groups[i] for i in second})
    assert len({groups[i] for i in first}) == 2


def test_the_cross_fit_reports_held_out_gains_for_every_split(bias: Any, tmp_path: Path) -> None:
    splits = {}
    for k, name in enumerate(("written_validation", "real_validation")):
        y, log_probs = _overflagging_model(300, k)
        splits[name] = {"y": y, "log_probs": log_probs, "groups": [str(i // 3) for i in range(300)]}
    outcome = bias.cross_fit(splits, [OTHER], repeats=2)
    gains = outcome["held_out_gain"]
    assert set(gains) == {"written_validation", "real_validation", "joint"}
    assert gains["joint"]["min"] > 0  # the over-flagging is the same in every half
    assert outcome["offset_fitted_on_all"]["other"] > 0
    assert outcome["in_sample_gain_on_all"]["joint"] >= gains["joint"]["mean"] - 0.05
