"""Sentence splitting: unchanged on ordinary text, bounded on hostile text (issue 13)."""

from __future__ import annotations

import time
import warnings

from conflictnlp import Classifier
from conflictnlp.sentences import MAX_SPAN, bounded_spans, split_sentences

PARAGRAPH = (
    "KAVALNE, Jan. 14 (wire) — Drones struck a market before dawn, Maj. Gen. Oleh Dranko said. "
    "At least 3.5 million people live in the region, the U.S. envoy noted; six were killed. "
    '"We will not stop," a spokesman said.'
)
# What the splitter gave before it was bounded (recorded from the previous release), so
# sentence hashes of ordinary paragraphs stay stable.
BEFORE = [
    (
        "KAVALNE, Jan. 14 (wire) — Drones struck a market before dawn, Maj. Gen. Oleh Dranko said.",
        0,
        89,
    ),
    (
        "At least 3.5 million people live in the region, the U.S. envoy noted; six were killed.",
        90,
        176,
    ),
    ('"We will not stop," a spokesman said.', 177, 214),
]


def test_ordinary_paragraph_splits_as_before():
    assert split_sentences(PARAGRAPH) == BEFORE
    two = "Headline without a stop\n\n" + PARAGRAPH
    assert [s for s, _, _ in split_sentences(two)] == [
        "Headline without a stop",
        *[s for s, _, _ in BEFORE],
    ]


def test_long_text_without_punctuation_is_fast_and_bounded():
    text = " ".join(["rebels shelled the town near the border"] * 8000)  # 320,000 chars
    started = time.perf_counter()
    spans = split_sentences(text)
    elapsed = time.perf_counter() - started
    # Unbounded pysbd took about 25 s on this text on a 2-core machine.
    assert elapsed < 8, elapsed
    assert all(text[a:b] == s and len(s) <= MAX_SPAN for s, a, b in spans)
    assert sum(len(s.replace(" ", "")) for s, _, _ in spans) == len(text.replace(" ", ""))


def test_long_paragraph_is_cut_at_sentence_ends():
    text = " ".join(f"Shells hit district {i} overnight." for i in range(400))
    pieces = list(bounded_spans(text, 0, len(text), 1000))
    assert all(b - a <= 1000 for a, b in pieces) and pieces[-1][1] == len(text)
    assert all(text[b - 2 : b] == ". " for _, b in pieces[:-1])
    spans = split_sentences(text)
    assert len(spans) == 400 and all(text[a:b] == s for s, a, b in spans)


def test_text_without_any_space_is_cut_hard():
    text = "x" * (3 * MAX_SPAN + 5)
    spans = split_sentences(text)
    assert [b - a for _, a, b in spans] == [MAX_SPAN] * 3 + [5]


def test_document_cuts_sentences_at_the_model_window(tiny_model_dir):
    clf = Classifier.from_pretrained(tiny_model_dir)
    words = " ".join(f"word{i}" for i in range(300))  # one 'sentence' of ~900 tokens
    text = f"Talks resumed. {words}\n\nShelling went on."
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no truncation warning: nothing is cut off
        predictions = clf.predict_document(text)
    assert predictions[0].text == "Talks resumed." and predictions[-1].text == "Shelling went on."
    middle = predictions[1:-1]
    assert len(middle) > 1 and all(text[p.start : p.end] == p.text for p in middle)
    assert " ".join(p.text for p in middle) == words  # cut between words, nothing lost
    _, truncated = clf.encoder.encode([p.text for p in middle])
    assert not any(truncated)
