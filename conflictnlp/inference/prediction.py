"""The result type every inference path returns."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Prediction:
    """One classified sentence.

    Attributes:
        text: The sentence as classified.
        label: The most probable label, one of ``LABELS``.
        score: The calibrated probability of ``label``.
        scores: Calibrated probabilities of every label in ``LABELS`` order; they sum to 1.
        start: Character offset of ``text`` in the document it came from, or None for a
            lone sentence.
        end: End offset (exclusive), so that ``document[start:end] == text``; or None.
    """

    text: str
    label: str
    score: float
    scores: dict[str, float]
    start: int | None = None
    end: int | None = None
