"""Whole news articles cut into the sentences a coder would label.

Both article corpora (``wikinews`` and ``wikinews_articles``) hold scraped text whose
lines are paragraphs, with headlines, captions and bylines among them. Cutting them the
same way keeps their sentences comparable, and the same way ``classify_document`` cuts a
user's document: each paragraph on its own (a headline never runs into the first
sentence), then a filter for lines that are not sentences.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..sentences import split_sentences

#: Shorter lines are captions, bylines and datelines, not sentences a reader would code.
MIN_WORDS = 4
_SENTENCE_END = re.compile(r"[.!?][\"”’')\]]*$")


def is_sentence(text: str) -> bool:
    """A line a coder would label: at least ``MIN_WORDS`` words and a sentence end."""
    return len(text.split()) >= MIN_WORDS and bool(_SENTENCE_END.search(text))


def paragraph_sentences(text: str) -> Iterator[tuple[str, str, int]]:
    """``(LINE/SENTENCE, sentence, position)`` of every sentence of an article's text.

    ``LINE`` is the paragraph (a line of ``text``) and ``SENTENCE`` the place in it, so the
    pair is stable for a pinned file; ``position`` is the place among all the article's
    segments, from 0, counted before the filter (as a reader sees the article).
    """
    segments = (
        (f"{line_number}/{place}", sentence)
        for line_number, paragraph in enumerate(text.split("\n"))
        for place, (sentence, _, _) in enumerate(split_sentences(paragraph))
    )
    for position, (suffix, sentence) in enumerate(segments):
        if is_sentence(sentence):
            yield suffix, sentence, position
