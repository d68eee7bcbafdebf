"""Print the count tables of docs/datacard.md from the shipped data."""

from __future__ import annotations

from collections import Counter

from conflictnlp.data import SPLITS, load_dataset
from conflictnlp.labels import LABELS


def table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def main() -> None:
    ds = load_dataset()
    names = ds["train"].features["label"].names
    rows = []
    for split in SPLITS:
        counts = Counter(names[i] for i in ds[split]["label"])
        articles = {a for a in ds[split]["article_id"] if a}
        in_articles = sum(1 for a in ds[split]["article_id"] if a)
        hard = sum(ds[split]["hard"])
        rows.append(
            [
                split,
                len(ds[split]),
                *[counts[label] for label in LABELS],
                len(articles),
                in_articles,
                hard,
            ]
        )
    total = [sum(r[i] for r in rows) for i in range(1, len(rows[0]))]
    rows.append(["**all**", *total])
    print(table(["split", "sentences", *LABELS, "articles", "article sentences", "hard"], rows))
    print()
    settings = sorted({s for split in SPLITS for s in ds[split]["setting"]})
    per = {split: Counter(ds[split]["setting"]) for split in SPLITS}
    print(table(["setting", *SPLITS], [[s, *[per[sp][s] for sp in SPLITS]] for s in settings]))
    print()
    styles = Counter(s for split in SPLITS for s in ds[split]["style"])
    print(table(["style", "sentences"], [[k, v] for k, v in styles.most_common()]))
    words = [len(t.split()) for split in SPLITS for t in ds[split]["text"]]
    print(
        f"\nwords per sentence: min {min(words)}, median {sorted(words)[len(words) // 2]}, "
        f"max {max(words)}"
    )


if __name__ == "__main__":
    main()
