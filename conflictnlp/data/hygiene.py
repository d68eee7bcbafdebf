"""Split hygiene for the written data: no repeats, no near-copies across splits.

A model scored on sentences it was trained on, or on light rewordings of them, looks
better than it is. The assembly scripts drop or flag such sentences, and the dataset
tests check the shipped files with the same two measures, so that what is enforced when
data is added is what is checked afterwards.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable

NEAR_COPY_JACCARD = 0.6


def duplicate_key(text: str) -> str:
    """The text lower-cased, punctuation stripped and whitespace collapsed: two sentences
    with the same key are the same sentence for training and scoring."""
    return " ".join(re.sub(r"[^\w\s]", "", text.lower()).split())


def trigrams(text: str) -> set[tuple[str, ...]]:
    """Word trigrams of the lower-cased text."""
    tokens = re.findall(r"\w+", text.lower())
    return {tuple(tokens[i : i + 3]) for i in range(len(tokens) - 2)}


class TrigramIndex:
    """Word-trigram sets of a list of texts, indexed for finding a text's nearest copy."""

    def __init__(self, texts: Iterable[str]) -> None:
        self.grams = [trigrams(text) for text in texts]
        self._index: dict[tuple[str, ...], list[int]] = defaultdict(list)
        for i, grams in enumerate(self.grams):
            for gram in grams:
                self._index[gram].append(i)

    def nearest(self, text: str) -> tuple[int | None, float]:
        """(index, Jaccard) of the indexed text sharing the most trigrams with ``text``,
        by Jaccard; (None, 0.0) when none shares any."""
        grams = trigrams(text)
        shared = Counter(i for gram in grams for i in self._index.get(gram, ()))
        best, score = None, 0.0
        for i, count in shared.items():
            jaccard = count / len(grams | self.grams[i])
            if jaccard > score:
                best, score = i, jaccard
        return best, score
