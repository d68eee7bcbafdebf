"""Scores on the parts of the test split that results are reported on besides the whole."""

from __future__ import annotations

from typing import Any

import numpy as np

from conflictnlp.evaluation.report import subset_masks


def test_subsets(splits: Any) -> dict[str, np.ndarray]:
    """Masks over the test split: all, article sentences, unseen settings, hard cases."""
    seen = set(splits["train"]["setting"]) | set(splits["validation"]["setting"])
    return subset_masks(splits["test"], seen)


def subset_scores(
    gold: np.ndarray, pred: np.ndarray, masks: dict[str, np.ndarray]
) -> dict[str, float]:
    from conflictnlp.evaluation.metrics import macro_f1

    return {name: macro_f1(gold[m], pred[m]) for name, m in masks.items()}
