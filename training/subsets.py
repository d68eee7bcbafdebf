"""The parts of the test split that results are reported on besides the whole."""

from __future__ import annotations

from typing import Any

import numpy as np


def test_subsets(splits: Any) -> dict[str, np.ndarray]:
    """Boolean masks over the test split: all, article sentences, unseen settings, hard."""
    test = splits["test"]
    seen = set(splits["train"]["setting"]) | set(splits["validation"]["setting"])
    return {
        "all": np.ones(len(test), dtype=bool),
        "article sentences": np.asarray([bool(a) for a in test["article_id"]]),
        "unseen settings": np.asarray([s not in seen for s in test["setting"]]),
        "hard cases": np.asarray(test["hard"], dtype=bool),
    }


def subset_scores(
    gold: np.ndarray, pred: np.ndarray, masks: dict[str, np.ndarray]
) -> dict[str, float]:
    from sklearn.metrics import f1_score

    return {
        name: float(f1_score(gold[m], pred[m], average="macro", labels=range(5), zero_division=0))
        for name, m in masks.items()
    }
