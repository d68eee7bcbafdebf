"""The selection rule of benchmarks/model_comparison.py: a retrained model ships only if it
is better on joint validation and no worse on real validation. Ties keep the old model, so
that a rerun of the same recipe cannot replace it by noise in the last digit."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture(scope="module")
def comparison():
    from conftest import load_script

    return load_script("benchmarks", "model_comparison")


def _f1(joint: tuple[float, float], real: tuple[float, float]) -> dict:
    return {
        "joint_validation": {"new": joint[0], "old": joint[1]},
        "real_validation": {"new": real[0], "old": real[1]},
    }


@pytest.mark.parametrize(
    ("joint", "real", "ship"),
    [
        ((0.93, 0.92), (0.91, 0.91), True),  # better joint, equal real
        ((0.93, 0.92), (0.90, 0.91), False),  # better joint bought with real news
        ((0.92, 0.92), (0.95, 0.91), False),  # a tie on joint keeps the old model
        ((0.91, 0.92), (0.95, 0.91), False),
    ],
)
def test_selection_rule(comparison, joint, real, ship) -> None:
    decision = comparison.selection_rule(_f1(joint, real), "new", "old")
    assert decision["ship"] is ship
    assert decision["joint_validation"] == list(joint)


def test_joint_split_pools_both_splits(comparison) -> None:
    truth = [np.array([0, 1, 2]), np.array([3, 4])]
    predictions = {
        "a": [np.array([0, 1, 2]), np.array([3, 4])],
        "b": [np.array([0, 0, 0]), np.array([3, 4])],
    }
    joint = comparison._joint(["a", "b"], truth, predictions, [("a", "b")])
    assert joint["models"]["a"]["n"] == 5
    assert joint["models"]["a"]["macro_f1"] == pytest.approx(1.0)
    assert joint["pairs"]["a - b"]["difference"] > 0


@pytest.mark.parametrize("spec", ["new", "new=gone", "=old"])
def test_a_bad_pair_is_refused_before_any_model_loads(comparison, spec) -> None:
    with pytest.raises(ValueError, match="expected NEW=OLD"):
        comparison.parse_pairs([spec], ["new", "old"])
    assert comparison.parse_pairs(["new=old"], ["new", "old"]) == [("new", "old")]
