"""Time to split text into model-sized sentences, by kind and size of text (issue 13).

``classify --document`` used to hang on long text without sentence punctuation: pysbd's
time grows about fourfold each time such text doubles. This times
``Classifier.split_document`` (blank lines, bounded pysbd spans, then cuts at the model's
window) on 5 MB of several kinds of text and at smaller sizes, to show that the time is
linear in the size. The model itself is not run; only its tokenizer is used.

Run: ``.venv/bin/python benchmarks/sentence_splitting.py`` (writes
docs/results/sentence_splitting.md).
"""

from __future__ import annotations

import argparse
import os
import random
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
# A small newswire vocabulary for the synthetic texts.
WORDS = [
    *[
        "the",
        "army",
        "said",
        "rebels",
        "shelled",
        "a",
        "town",
        "market",
        "near",
        "the",
        "border",
        "while",
        "envoys",
        "met",
    ],
    *[
        "for",
        "truce",
        "talks",
        "and",
        "officials",
        "reported",
        "that",
        "six",
        "people",
        "were",
        "killed",
        "and",
        "wounded",
    ],
]


def _words(rng: random.Random, n: int, sep: str = " ") -> str:
    out, size = [], 0
    while size < n:
        word = rng.choice(WORDS)
        out.append(word)
        size += len(word) + len(sep)
    return sep.join(out)[:n]


def kinds(size: int, rng: random.Random) -> dict[str, str]:
    """Texts of ``size`` characters that stress the splitter in different ways."""
    article = (ROOT / "examples" / "sample_article.txt").read_text(encoding="utf-8")
    one_paragraph = article.replace("\n\n", " ")
    headlines = "\n".join(_words(rng, 70) for _ in range(size // 70 + 1))
    noise_chars = "abc .,;:!?-'\"()\n\t0123456789"
    return {
        "news articles (paragraphs)": (article + "\n\n") * (size // (len(article) + 2) + 1),
        "one punctuated paragraph": (one_paragraph + " ") * (size // len(one_paragraph) + 1),
        "words without punctuation": _words(rng, size),
        "a headline a line, no full stops": headlines,
        "no whitespace at all": "x" * size,
        "random characters and punctuation": "".join(rng.choice(noise_chars) for _ in range(size)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=float, default=5.0, help="largest size, in millions of chars")
    parser.add_argument("--out", default=str(ROOT / "docs" / "results"))
    args = parser.parse_args()

    from _machine import describe_machine

    from conflictnlp import Classifier
    from conflictnlp.sentences import MAX_SPAN

    clf = Classifier.from_pretrained("default")
    largest = int(args.mb * 1_000_000)
    sizes = [largest // 4, largest // 2, largest]
    lines = [
        "# Sentence splitting (benchmarks/sentence_splitting.py)",
        "",
        f"Machine: {describe_machine()}. `Classifier.split_document` (pysbd on spans of at "
        f"most {MAX_SPAN} characters, then cuts at the model's {clf.max_length}-token window) "
        "on each kind of text at three sizes; seconds, one run each.",
        "",
        "| text | " + " | ".join(f"{s / 1e6:g} M chars" for s in sizes) + " | µs per char "
        "(largest) | sentences (largest) | longest sentence (chars) |",
        "|---|" + "---|" * (len(sizes) + 3),
    ]
    for name in kinds(1, random.Random(0)):
        cells, result = [], []
        for size in sizes:
            text = kinds(size, random.Random(0))[name][:size]
            start = time.perf_counter()
            result = clf.split_document(text)
            seconds = time.perf_counter() - start
            assert all(text[a:b] == s for s, a, b in result)
            cells.append(f"{seconds:.1f}")
        lines.append(
            f"| {name} | {' | '.join(cells)} | {seconds / sizes[-1] * 1e6:.1f} | {len(result)} | "
            f"{max(len(s) for s, _, _ in result)} |"
        )
        print(lines[-1], flush=True)
    text = "\n".join(lines) + "\n"
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "sentence_splitting.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
