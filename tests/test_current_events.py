"""The current-events builder: rebuilding labeled real sentences from a snapshot, by hash.

The fixture under tests/fixtures/current_events is written for these tests (invented
events in the snapshot's YAML format); the real snapshot is never needed here.
"""

from __future__ import annotations

import csv
import shutil
import tarfile
from collections import Counter
from pathlib import Path

import pytest

from conflictnlp.cli import main
from conflictnlp.data import current_events as ce
from conflictnlp.data import load_dataset
from conflictnlp.data import pinned_source as pinned
from conflictnlp.labels import LABELS

FIXTURES = Path(__file__).parent / "fixtures"
SNAPSHOT = FIXTURES / "current_events"
LABELS_DIR = FIXTURES / "current_events_labels"


def test_hash_is_pinned_and_ignores_only_spacing_case_and_width() -> None:
    # The shipped label files depend on this exact function: a change breaks every match.
    sentence = "Ostrava recalls its ambassador to Lorvania over a border dispute."
    assert pinned.sentence_hash(sentence) == "8056a3ad20869765"
    assert pinned.sentence_hash(
        "  ostrava RECALLS its\u00a0ambassador to Lorvania over a border dispute."
    ) == ("8056a3ad20869765")
    assert pinned.sentence_hash(sentence.replace("border", "trade")) != "8056a3ad20869765"


def test_outlets_are_stripped_and_headings_skipped() -> None:
    assert ce.strip_outlets("Talks resume in Doha. (AP) (BBC News)") == "Talks resume in Doha."
    assert ce.strip_outlets("Rebels seize the town. (AP) Two are killed. (BBC)") == (
        "Rebels seize the town. Two are killed."
    )
    assert ce.strip_outlets("Colombia launches an offensive against FARC (BBC)") == (
        "Colombia launches an offensive against FARC"
    )
    assert ce.is_heading("2023 Lorvania–Ostrava border clashes")
    assert not ce.is_heading("Colombia launches an offensive against FARC (BBC)")
    assert not ce.is_heading("Rebels seize the town.")


def test_items_skip_rewrites_and_record_unparseable_files() -> None:
    report = ce.BuildReport()
    items = list(ce.iter_items(SNAPSHOT, report=report))
    assert {i.date for i in items} == {"2021-03-04", "2022-07-19", "2024-01-09"}
    assert report.unreadable_files == [str(Path("2024/01/2024-01-10.yaml"))]
    with pytest.raises(ce.SourceError, match=r"2024-01-10\.yaml: not valid YAML"):
        list(ce.iter_items(SNAPSHOT))


def test_load_rebuilds_every_split_with_the_written_features_plus_source_fields() -> None:
    ds = ce.load(SNAPSHOT, labels=LABELS_DIR)  # only labeled days are parsed: no warning
    assert {k: len(v) for k, v in ds.items()} == {"train": 4, "validation": 2, "test": 2}
    assert ds["train"].features["label"].names == list(LABELS)
    for column in ("id", "text", "label", "article_id", "position", "source", "date", "category"):
        assert column in ds["test"].column_names
    row = ds["validation"][1]
    assert (
        row["text"]
        == "The Lorvanian army accuses rebels of shelling a hospital in Tarsk; the rebels deny it."
    )
    assert LABELS[row["label"]] == "allegation"
    assert (row["source"], row["date"], row["category"]) == (
        "current-events",
        "2022-07-19",
        "Uncategorized",
    )
    alt = ds["train"][1]
    assert (alt["label_alt"], alt["hard"]) == ("attack", True)
    assert "(Wire" not in " ".join(ds["train"]["text"])


def test_missing_labels_are_listed_by_id_never_dropped_silently(tmp_path: Path) -> None:
    labels = tmp_path / "labels"
    shutil.copytree(LABELS_DIR, labels)
    with (labels / "test.tsv").open("a", encoding="utf-8") as handle:
        handle.write("2024-01-10/0/0\t0123456789abcdef\tattack\t\tattack\tattack\tfalse\t2024\tX\n")
    with pytest.warns(
        UserWarning,
        match=r"(?s)1 labeled sentence\(s\) not found.*2024-01-10/0/0.*1 file\(s\) of the source could not be parsed",
    ):
        ds = ce.load(SNAPSHOT, labels=labels)
    assert len(ds["test"]) == 2
    with pytest.raises(ce.SourceError, match="2024-01-10/0/0"):
        ce.load(SNAPSHOT, labels=labels, strict=True)


def test_a_reordered_day_still_matches_by_hash(tmp_path: Path) -> None:
    snapshot = tmp_path / "snap"
    shutil.copytree(SNAPSHOT, snapshot)
    (snapshot / "2024/01/2024-01-10.yaml").unlink()
    day = snapshot / "2024/01/2024-01-09.yaml"
    text = day.read_text(encoding="utf-8")
    landslide = "  Disasters and accidents:\n  - A landslide buries 14 homes in the hills above Port Anver. (Coastal Times)\n"
    assert landslide in text
    day.write_text(text.replace(landslide, "") + landslide, encoding="utf-8")
    ds = ce.load(snapshot, split="test", labels=LABELS_DIR)
    assert sorted(ds["text"])[0].startswith("A landslide buries 14 homes")


def test_an_archive_like_githubs_is_unpacked_once(tmp_path: Path) -> None:
    archive = tmp_path / f"current-events-context-{ce.PINNED_COMMIT}.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(SNAPSHOT, arcname=f"current-events-context-{ce.PINNED_COMMIT}")
    ds = ce.load(archive, split="validation", labels=LABELS_DIR)
    assert len(ds) == 2


def test_load_dataset_entry_point_and_its_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ce, "labels_dir", lambda: LABELS_DIR)
    ds = load_dataset("current-events", source=SNAPSHOT)
    assert len(ds["train"]) == 4
    with pytest.raises(ValueError, match="needs source="):
        load_dataset("current-events")
    with pytest.raises(ce.SourceError, match=r"no such folder or archive.*git checkout"):
        load_dataset("current-events", source="/nonexistent/snapshot")
    with pytest.raises(ValueError, match="source= is only for the builders"):
        load_dataset(source=SNAPSHOT)


def test_cli_builds_jsonl_splits_and_fails_on_missing_labels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(ce, "labels_dir", lambda: LABELS_DIR)
    out = tmp_path / "built"
    code = main(
        ["data", "build", "current-events", "--source", str(SNAPSHOT), "--output", str(out)]
    )
    assert code == 0
    err = capsys.readouterr().err
    assert "8 labeled sentences matched (train 4, validation 2, test 2)" in err
    rebuilt = load_dataset(out)
    assert [len(rebuilt[s]) for s in ("train", "validation", "test")] == [4, 2, 2]


# ---- the shipped labels ------------------------------------------------------------------


def _shipped() -> dict[str, list[dict[str, str]]]:
    return ce.read_labels()


def test_shipped_label_files_hold_no_text_and_valid_labels() -> None:
    for split, rows in _shipped().items():
        path = ce.labels_dir() / f"{split}.tsv"
        with path.open(encoding="utf-8") as handle:
            assert next(csv.reader(handle, delimiter="\t")) == list(ce.LABEL_COLUMNS)
        for row in rows:
            assert row["label"] in LABELS
            assert row["label_alt"] in ("", *LABELS) and row["label_alt"] != row["label"]
            assert row["annotator_a"] in LABELS and row["annotator_b"] in LABELS
            disagreed = row["annotator_a"] != row["annotator_b"]
            assert row["adjudicated"] == ("true" if disagreed else "false")
            # only a label audit (scripts/review_labels.py) overrules two agreeing
            # annotators, and it audits the training split alone
            assert row["reviewed"] in ("true", "false")
            assert row["reviewed"] == "false" or split == "train"
            if row["reviewed"] == "false" and not disagreed:
                assert row["label"] == row["annotator_a"]
            assert (
                ce.split_of_year(int(row["year"])) == split == ce.split_of_year(int(row["id"][:4]))
            )
            assert len(row["hash"]) == 16


def test_shipped_labels_meet_the_size_and_balance_targets() -> None:
    labels = _shipped()
    assert sum(len(rows) for rows in labels.values()) >= 8000
    assert len(labels["test"]) >= 1500
    per_label = Counter(row["label"] for row in labels["test"])
    assert min(per_label[label] for label in LABELS) >= 150, per_label
    ids = [row["id"] for rows in labels.values() for row in rows]
    hashes = [row["hash"] for rows in labels.values() for row in rows]
    assert len(set(ids)) == len(ids)
    assert len(set(hashes)) == len(hashes)
    assert {row["year"] for row in labels["train"]} >= {str(y) for y in range(2003, 2022)}


def test_pool_takes_training_years_only_without_repeats(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ce, "labels_dir", lambda: LABELS_DIR)
    pool = ce.pool_sentences(SNAPSHOT, last_year=2021)
    in_2021 = [
        s.text for item in ce.iter_items(SNAPSHOT, {"2021-03-04"}) for s in ce.item_sentences(item)
    ]
    assert pool and len(pool) == len(set(pool))
    assert set(pool) == set(in_2021)  # every 2021 sentence, nothing from 2022 or 2024
    assert ce.pool_sentences(SNAPSHOT, last_year=2021) == pool  # the cached list
    with pytest.raises(ValueError, match="reaches into the validation or test years"):
        ce.pool_sentences(SNAPSHOT, last_year=2022)


def test_real_news_joins_train_and_validation_and_keeps_its_own_test(
    monkeypatch: pytest.MonkeyPatch, tiny_data_dir: Path
) -> None:
    from conflictnlp.data import with_real_news

    monkeypatch.setattr(ce, "labels_dir", lambda: LABELS_DIR)
    joined = with_real_news(load_dataset(tiny_data_dir), SNAPSHOT)
    sizes = {k: len(v) for k, v in joined.items()}
    assert sizes == {"train": 20 + 4, "validation": 20 + 2, "test": 25, "test_real": 2}
    assert joined["train"].features["label"].names == list(LABELS)
    assert "current-events" in joined["test_real"]["source"]
