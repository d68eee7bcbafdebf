"""Tokenisation shared by every inference path.

Both the PyTorch and the ONNX Runtime paths encode through the same ``tokenizers``
object, so they see identical token ids, and the ONNX path never imports transformers
or torch. A chunk of sentences is tokenised once, sorted by length and cut into batches
padded only to their own longest member (dynamic padding).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tokenizers import Encoding, Tokenizer


@dataclass
class EncodedBatch:
    """Model inputs for one batch, int64 arrays of shape (batch, longest), and where they go."""

    input_ids: np.ndarray
    attention_mask: np.ndarray
    token_type_ids: np.ndarray
    positions: list[int]

    def as_dict(self) -> dict[str, np.ndarray]:
        return {
            "input_ids": self.input_ids,
            "attention_mask": self.attention_mask,
            "token_type_ids": self.token_type_ids,
        }


class SentenceEncoder:
    """Turns sentences (optionally with the previous sentence as context) into model inputs.

    Args:
        tokenizer_file: A ``tokenizer.json`` as written by ``save_pretrained``.
        max_length: Longest input in tokens; longer inputs are cut, and ``encode`` reports
            which ones so that the caller can warn.
    """

    def __init__(self, tokenizer_file: str | Path, max_length: int) -> None:
        self.max_length = max_length
        self._tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self._pad_id = pad_token_id(self._tokenizer)
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=max_length, strategy="longest_first")
        self._untruncated: Tokenizer | None = None

    @property
    def window_tokens(self) -> int:
        """Tokens of text a single input can hold (the window less the special tokens)."""
        return self.max_length - self._tokenizer.num_special_tokens_to_add(False)

    def window_spans(self, text: str) -> list[tuple[int, int]]:
        """Cut ``text`` into ``(start, end)`` character spans that each fit the model's window.

        Cuts fall between words where one is near the limit (between word pieces only in
        a "word" longer than half the window), and each span starts and ends on a token,
        so no span has surrounding whitespace. A text that fits gives one span.
        """
        if self._untruncated is None:  # a copy of the tokenizer that keeps every token
            self._untruncated = Tokenizer.from_str(self._tokenizer.to_str())
            self._untruncated.no_truncation()
        offsets = self._untruncated.encode(text, add_special_tokens=False).offsets
        budget = self.window_tokens
        spans, first = [], 0
        while first < len(offsets):
            stop = min(first + budget, len(offsets))
            if stop < len(offsets):
                word_start = stop
                while word_start > first + budget // 2 and not _starts_word(
                    text, offsets, word_start
                ):
                    word_start -= 1
                if word_start > first + budget // 2:
                    stop = word_start
            spans.append((offsets[first][0], offsets[stop - 1][1]))
            first = stop
        return spans

    def encode(
        self, texts: Sequence[str], contexts: Sequence[str | None] | None = None
    ) -> tuple[list[Encoding], list[bool]]:
        """Tokenise a chunk; ``contexts[i]``, if given and not None, is paired with ``texts[i]``.

        Returns:
            The encodings and, for each text, whether it was truncated.
        """
        if contexts is None:
            inputs: list = list(texts)
        else:
            inputs = [(t, c) if c else t for t, c in zip(texts, contexts, strict=True)]
        encodings = self._tokenizer.encode_batch(inputs)
        return encodings, [bool(e.overflowing) for e in encodings]

    def batches(self, encodings: Sequence[Encoding], batch_size: int) -> Iterator[EncodedBatch]:
        """Yield length-sorted, dynamically padded batches; ``positions`` maps rows back."""
        order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
        for first in range(0, len(order), batch_size):
            positions = order[first : first + batch_size]
            members = [encodings[i] for i in positions]
            shape = (len(members), max(len(e.ids) for e in members))
            input_ids = np.full(shape, self._pad_id, dtype=np.int64)
            attention_mask = np.zeros(shape, dtype=np.int64)
            token_type_ids = np.zeros(shape, dtype=np.int64)
            for row, enc in enumerate(members):
                n = len(enc.ids)
                input_ids[row, :n] = enc.ids
                attention_mask[row, :n] = 1
                token_type_ids[row, :n] = enc.type_ids
            yield EncodedBatch(input_ids, attention_mask, token_type_ids, positions)


def pad_token_id(tokenizer: Tokenizer) -> int:
    """The id a batch is padded with: models differ (BERT's ``[PAD]`` is 0, MPNet's
    ``<pad>`` is 1), and a wrong pad id changes nothing only while the mask is right, so
    take the tokenizer's own padding setting, else its pad token, else 0."""
    padding = tokenizer.padding
    if padding and padding.get("pad_id") is not None:
        return int(padding["pad_id"])
    for token in ("[PAD]", "<pad>", "<PAD>"):
        token_id = tokenizer.token_to_id(token)
        if token_id is not None:
            return int(token_id)
    return 0


def _starts_word(text: str, offsets: Sequence[tuple[int, int]], index: int) -> bool:
    """Whether token ``index`` begins after whitespace (a cut there splits no word)."""
    start = offsets[index][0]
    return start > 0 and text[start - 1].isspace()
