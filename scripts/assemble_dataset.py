"""Assemble the authors' raw files into the shipped splits (a one-off, kept for provenance).

Each author wrote one JSON Lines file (``train_A.jsonl``, ``validation_D.jsonl``,
``test_E.jsonl``, ...; see docs/datacard.md). This script gives every sentence a stable id,
normalises whitespace, drops exact repeats of lone sentences within the data, and drops
lone validation/test sentences that are near-copies (word-trigram Jaccard >= 0.6) of a
training sentence; a near-copy inside an article is reported for a rewrite instead,
since dropping it would break the article.

Run: ``python scripts/assemble_dataset.py RAW_DIR`` (writes conflictnlp/resources/data/).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "conflictnlp" / "resources" / "data"
PREFIX = {"train": "tr", "validation": "va", "test": "te"}


def trigrams(text: str) -> set[tuple[str, ...]]:
    tokens = re.findall(r"\w+", text.lower())
    return {tuple(tokens[i : i + 3]) for i in range(len(tokens) - 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("raw", type=Path)
    args = parser.parse_args()

    splits: dict[str, list[dict]] = defaultdict(list)
    for path in sorted(args.raw.glob("*_*.jsonl")):
        split, author = path.stem.rsplit("_", 1)
        if split not in PREFIX:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            raw = json.loads(line)
            splits[split].append(
                {
                    "id": f"{PREFIX[split]}-{author}-{n:04d}",
                    "text": " ".join(raw["text"].split()),
                    "label": raw["label"],
                    "article_id": raw.get("article") or "",
                    "position": raw.get("position") if raw.get("article") else None,
                    "setting": raw["setting"],
                    "style": raw["style"],
                    "hard": bool(raw.get("hard", False)),
                }
            )

    seen: set[str] = set()
    for split in ("train", "validation", "test"):
        kept = []
        for row in splits[split]:
            key = row["text"].lower()
            if key in seen and not row["article_id"]:
                print(f"drop repeat {row['id']}: {row['text'][:70]}")
                continue
            seen.add(key)
            kept.append(row)
        splits[split] = kept

    train_grams = [trigrams(r["text"]) for r in splits["train"]]
    index: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, grams in enumerate(train_grams):
        for g in grams:
            index[g].append(i)
    problems = 0
    for split in ("validation", "test"):
        kept = []
        for row in splits[split]:
            grams = trigrams(row["text"])
            shared = Counter(i for g in grams for i in index.get(g, ()))
            worst = max((c / len(grams | train_grams[i]) for i, c in shared.items()), default=0.0)
            if worst >= 0.6:
                if row["article_id"]:
                    problems += 1
                    print(f"REWRITE {row['id']} (Jaccard {worst:.2f}): {row['text']}")
                else:
                    print(f"drop near-copy {row['id']} (Jaccard {worst:.2f}): {row['text'][:70]}")
                    continue
            kept.append(row)
        splits[split] = kept

    OUT.mkdir(parents=True, exist_ok=True)
    for split, rows in splits.items():
        with (OUT / f"{split}.jsonl").open("w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
        labels = Counter(r["label"] for r in rows)
        print(f"{split}: {len(rows)} sentences {dict(labels)}")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
