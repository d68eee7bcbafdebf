"""Split news text into sentences with character offsets, in time linear in the text.

pysbd (a rule-based port of the Golden Rules sentence boundary suite) copes with the
abbreviations, initials, decimals and quotes of wire copy ("Maj. Gen. Ivan Petrov",
"the U.S. envoy", "3.5 million"). We only add the offsets, by locating each segment in
the original text, so that ``text[start:end] == sentence`` always holds.

pysbd's time grows much faster than the length of what it is given (a 400 KB paragraph
takes about a minute, 5 MB of text without full stops never ends), so it is never given
more than ``MAX_SPAN`` characters: text is cut at blank lines first, and a longer
paragraph at the last sentence end, else line break, else space, before the limit. An
ordinary paragraph is shorter than that and is split exactly as pysbd splits it.
benchmarks/sentence_splitting.py measures the time on 5 MB of several kinds of text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
#: The longest span handed to pysbd at once, in characters (a long news paragraph is
#: about 1,000); longer paragraphs are cut before it at the best boundary found.
MAX_SPAN = 3000
# Where to cut an over-long paragraph, best first: after a sentence end, at a line
# break, at a space. Each is searched for in the second half of the span only, so a cut
# never leaves a span shorter than MAX_SPAN / 2 and the number of spans stays linear.
_CUTS = (
    re.compile(r"[.!?][\"'”’)\]]*\s+"),
    re.compile(r"\n\s*"),
    re.compile(r"\s+"),
)


@lru_cache(maxsize=1)
def _segmenter() -> Any:
    import pysbd
    from pysbd.utils import TextSpan

    class Segmenter(pysbd.Segmenter):
        """pysbd's segmenter, with its sentence-locating step done by ``str.find``.

        pysbd locates each sentence by compiling a fresh regex (the escaped sentence and
        ``\\s*``) and scanning from the start of the text: most of its time on text
        with many short "sentences". This does the same scan, non-overlapping matches
        from the start and the first that ends after the previous sentence, without the
        regex, so the sentences are the same.
        """

        def sentences_with_char_spans(self, sentences: list[str]) -> list[Any]:
            text = self.original_text
            spans, prior_end = [], 0
            for sent in sentences:
                if not sent:  # nothing to locate (pysbd would add a blank span we skip)
                    continue
                found = text.find(sent)
                while found >= 0:
                    end = found + len(sent)
                    while end < len(text) and text[end].isspace():
                        end += 1
                    if end > prior_end:
                        spans.append(TextSpan(text[found:end], found, end))
                        prior_end = end
                        break
                    found = text.find(sent, end)
            return spans

    return Segmenter(language="en", clean=False)


def _paragraphs(text: str) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of the text between blank lines."""
    start = 0
    for match in _PARAGRAPH_BREAK.finditer(text):
        yield start, match.start()
        start = match.end()
    yield start, len(text)


def _cut(text: str, start: int, limit: int) -> int:
    """Where to end a span that starts at ``start`` and may not reach ``start + limit``."""
    low, high = start + limit // 2, start + limit
    for boundary in _CUTS:
        last = None
        for last in boundary.finditer(text, low, high):  # noqa: B007 (we want the last one)
            pass
        if last is not None:
            return last.end()
    return high


def bounded_spans(
    text: str, start: int, end: int, limit: int = MAX_SPAN
) -> Iterator[tuple[int, int]]:
    """Cut ``text[start:end]`` into spans of at most ``limit`` characters (see module doc)."""
    while end - start > limit:
        cut = _cut(text, start, limit)
        yield start, cut
        start = cut
    yield start, end


def split_sentences(text: str, max_span: int = MAX_SPAN) -> list[tuple[str, int, int]]:
    """Return ``(sentence, start, end)`` triples covering the non-blank parts of ``text``.

    Paragraph breaks always end a sentence (headlines and datelines often lack a full stop),
    and surrounding whitespace is trimmed from each sentence. A "sentence" is never longer
    than ``max_span`` characters; ``Classifier.predict_document`` further cuts sentences
    longer than the model's window.
    """
    spans: list[tuple[str, int, int]] = []
    for par_start, par_end in _paragraphs(text):
        if not text[par_start:par_end].strip():
            continue
        for span_start, span_end in bounded_spans(text, par_start, par_end, max_span):
            spans.extend(_segment(text, span_start, span_end))
    return spans


def _segment(text: str, start: int, end: int) -> Iterator[tuple[str, int, int]]:
    """pysbd's sentences of ``text[start:end]``, located in ``text``."""
    inner = start
    for segment in _segmenter().segment(text[start:end]):
        piece = segment.strip()
        if not piece:
            continue
        found = text.find(piece, inner, end)
        if found < 0:  # pysbd normalised something; fall back to the whole remainder
            rest = text[inner:end]
            found = inner + (len(rest) - len(rest.lstrip()))
            piece = text[found:end].strip()
            if not piece:
                continue
        stop = found + len(piece)
        yield text[found:stop], found, stop
        inner = stop
