"""The wikinews-articles builder: whole reports to train on, and its annotation script.

tests/fixtures/wikinews_articles holds invented reports in the pinned MomentumDecoding
file's format (``id``, ``ended``, ``text`` with one paragraph per line), written for these
tests; the real file is never needed here.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from conflictnlp.cli import main
from conflictnlp.data import load_dataset
from conflictnlp.data import wikinews_articles as wa
from conflictnlp.data.label_files import write_label_file
from conflictnlp.data.pinned_source import SourceError
from conflictnlp.training.config import ConfigError, parse_config

FIXTURES = Path(__file__).parent / "fixtures"
SOURCE = FIXTURES / "wikinews_articles" / wa.FILE_NAME
LABELS_DIR = FIXTURES / "wikinews_articles_labels"


def test_reports_are_cut_into_distinct_sentences_numbered_by_paragraph() -> None:
    articles = dict(wa.iter_articles(SOURCE))
    # headlines, "Share it!" and the photo caption are not sentences; the boilerplate
    # line that closes reports 1 and 3 is kept only where it first appears
    assert [s.id for s in articles["1"]] == ["1/1/0", "1/2/0", "1/2/1", "1/3/0"]
    assert [s.id for s in articles["3"]] == ["3/1/0", "3/2/0"]
    work = articles["1"][2]
    assert (work.text, work.article_id, work.position) == (
        "Work on the pier starts in May.",
        "1",
        3,
    )
    assert len(list(wa.iter_sentences(SOURCE))) == 8


def test_the_split_is_fixed_by_the_report_id_not_by_the_sample() -> None:
    assert [wa.split_of(str(i)) for i in range(5)] == [
        "train", "train", "train", "validation", "train"
    ]  # fmt: skip
    share = sum(wa.split_of(str(i)) == "validation" for i in range(2000)) / 2000
    assert abs(share - 1 / wa.VALIDATION_EVERY) < 0.03


def test_load_rebuilds_train_and_validation_and_names_a_file_that_is_not_the_pinned_one() -> None:
    with pytest.warns(UserWarning, match="not the pinned"):
        ds = wa.load(SOURCE.parent, labels=LABELS_DIR)
    assert list(ds) == ["train", "validation"]
    names = ds["train"].features["label"].names
    assert [names[i] for i in ds["validation"]["label"]] == ["attack", "casualty_report"]
    train = ds["train"]
    assert [names[i] for i in train["label"]] == ["other"] * 3 + ["diplomatic_move", "allegation"]
    assert train["label_alt"][4] == "other" and train["hard"][4]
    assert set(train["source"]) == {wa.NAME} and train["style"][0] == "wire_article"
    with pytest.raises(SourceError, match="not the pinned"):
        wa.load(SOURCE, "validation", labels=LABELS_DIR, strict=True)


def test_a_label_whose_sentence_changed_is_reported_by_id(tmp_path: Path) -> None:
    source = tmp_path / wa.FILE_NAME
    text = SOURCE.read_text(encoding="utf-8")
    source.write_text(text.replace("Three workers", "Four workers"), encoding="utf-8")
    splits, report = wa.build(source, LABELS_DIR)
    assert report.missing == ["3/2/0"] and "3/2/0" in report.summary()
    assert [r["id"] for r in splits["validation"]] == ["3/1/0"]
    # a sentence that moved (a paragraph added above it) is found by its hash
    source.write_text(text.replace('"text": "Council', '"text": "Update\\nCouncil'), "utf-8")
    splits, report = wa.build(source, LABELS_DIR)
    assert report.missing == [] and splits["train"][0]["text"].startswith("The city council")


def test_bad_requests_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=rf"needs source=.*{wa.PINNED_COMMIT}"):
        load_dataset(wa.NAME)
    with pytest.raises(ValueError, match="no test split"):
        wa.load(SOURCE, "test", labels=LABELS_DIR)
    with pytest.raises(SourceError, match=rf"git checkout {wa.PINNED_COMMIT}"):
        wa.resolve_source(tmp_path)
    broken = tmp_path / "broken.jsonl"
    broken.write_text(SOURCE.read_text(encoding="utf-8") + '{"id": 9, "text": "cut\n', "utf-8")
    with pytest.raises(SourceError, match=r"broken\.jsonl, line 4: not a JSON object"):
        list(wa.iter_sentences(broken))
    broken.write_text(SOURCE.read_text(encoding="utf-8") + '["a list"]\n', "utf-8")
    with pytest.raises(SourceError, match=r"line 4: not a JSON object \(a JSON list\)"):
        list(wa.iter_sentences(broken))


def test_cli_builds_both_splits_as_jsonl(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(wa, "labels_dir", lambda: LABELS_DIR)
    out = tmp_path / "built"
    assert main(["data", "build", wa.NAME, "--source", str(SOURCE), "--output", str(out)]) == 0
    rows = [json.loads(line) for line in (out / "validation.jsonl").read_text("utf-8").splitlines()]
    assert [r["text"][:6] for r in rows] == ["Drones", "Three "]
    assert "not the pinned" in capsys.readouterr().err
    bad = ["data", "build", "wikinews", "--source", str(SOURCE), "--output", str(out)]
    assert main(bad) == 2
    assert "choose one of current-events" in capsys.readouterr().err


def test_assembly_draws_whole_reports_and_writes_each_to_its_split(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conftest import load_script

    assemble = load_script("scripts", "assemble_wikinews")
    items = assemble.articles_items(SOURCE, count=3, seed=1)
    assert sorted({i.article for i in items}) == ["1", "3", "4"]
    assert assemble.articles_items(SOURCE, count=2, seed=1) == assemble.articles_items(
        SOURCE, count=2, seed=1
    )  # the draw is fixed by its seed
    work = tmp_path / "work"
    sizes = assemble.prepare(items, work, batch_size=100)
    assert sizes == [8]
    ids = [i.id for i in items]
    write_label_file(work / "A" / "batch_00.tsv", [(i, "other", "") for i in ids])
    write_label_file(
        work / "B" / "batch_00.tsv", [(i, "attack" if i == "3/1/0" else "other", "") for i in ids]
    )
    args = ["x", "--corpus", wa.NAME, "--work", str(work), "--prepare-adjudication", "00"]
    monkeypatch.setattr(sys, "argv", args)
    assemble.main()
    assert (work / "disagreements_00.txt").read_text("utf-8").count("## ") == 1
    write_label_file(work / "adjudication" / "r.tsv", [("3/1/0", "attack", "")])
    out = tmp_path / "labels"
    summary = assemble.assemble(assemble.CORPORA[wa.NAME], work, out)
    assert summary["sentences"] == 8 and summary["adjudicated"] == 1
    assert summary["splits"]["validation"] == {
        "sentences": 2,
        "labels": {"attack": 1, "other": 1},
    }
    # what the script writes, the builder reads back against the same source
    splits, report = wa.build(SOURCE, out)
    assert report.missing == [] and [len(splits[s]) for s in wa.SPLITS] == [6, 2]


def test_a_config_with_data_articles_trains_on_the_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tiny_data_dir: Path
) -> None:
    from conflictnlp.cli import _config, _parser
    from conflictnlp.training.trainer import load_splits

    monkeypatch.setattr(wa, "labels_dir", lambda: LABELS_DIR)
    config_file = tmp_path / "c.yaml"
    config_file.write_text(f"data:\n  path: {tiny_data_dir}\n  articles: /nowhere\n", "utf-8")
    # a local copy given on the command line replaces the configured source
    args = _parser().parse_args(["train", "--config", str(config_file), "--articles", str(SOURCE)])
    config = _config(args)
    assert config.data.articles == str(SOURCE)
    with pytest.warns(UserWarning, match="not the pinned"):
        splits = load_splits(config)
    sizes = {name: len(split) for name, split in splits.items()}
    assert sizes == {"train": 20 + 5, "validation": 20 + 2, "test": 25}  # tests untouched
    assert splits["validation"]["text"][-1].startswith("Three workers")

    # thinned: one of the three ordinary training sentences, every conflict sentence, the
    # whole validation split; the same draw every time for one seed
    config.data.articles_keep_other = 1 / 3
    with pytest.warns(UserWarning, match="not the pinned"):
        thinned = load_splits(config)
    added = thinned["train"].select(range(20, len(thinned["train"])))
    names = added.features["label"].names
    assert sorted(names[i] for i in added["label"]) == [
        "allegation",
        "diplomatic_move",
        "other",
    ]
    assert len(thinned["validation"]) == 20 + 2
    with pytest.warns(UserWarning, match="not the pinned"):
        again = load_splits(config)
    assert again["train"]["text"] == thinned["train"]["text"]
    from conflictnlp.data import with_articles

    with pytest.raises(ValueError, match=r"keep_other must be in \[0, 1\], got 1.5"):
        with_articles(thinned, SOURCE, keep_other=1.5)  # checked before the file is read
    with pytest.raises(ConfigError, match=r"'data\.articles_keep_other' must be in \[0, 1\]"):
        parse_config({"data": {"articles_keep_other": 1.5}})


def test_the_comparison_reads_the_reports_for_choosing_only(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from conftest import load_script

    comparison = load_script("benchmarks", "model_comparison")
    argv = ["x", "--source", "s", "--model", "m", "--articles", str(SOURCE), "--out", "o.json"]
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit):
        comparison.main()  # --split test (the default): the corpus has no test split
    assert "use --split validation" in capsys.readouterr().err


def test_the_shipped_labels_are_well_formed_hold_no_text_and_keep_reports_whole() -> None:
    splits = wa.read_labels()
    rows = [row for split in wa.SPLITS for row in splits[split]]
    assert len(rows) == len({r["id"] for r in rows}) == len({r["hash"] for r in rows})
    assert all(len(r["hash"]) == 16 and int(r["hash"], 16) >= 0 for r in rows)
    assert set(rows[0]) == set(wa.LABEL_COLUMNS)  # no text column
    assert all((r["annotator_a"] != r["annotator_b"]) == (r["adjudicated"] == "true") for r in rows)
    for split in wa.SPLITS:  # every report in the split its id hashes to
        assert {wa.split_of(r["id"].split("/")[0]) for r in splits[split]} == {split}


def test_a_later_round_draws_only_new_reports_and_adds_to_the_labels(tmp_path: Path) -> None:
    from conftest import load_script

    assemble = load_script("scripts", "assemble_wikinews")
    corpus = assemble.CORPORA[wa.NAME]
    out = tmp_path / "labels"  # round 1 labeled reports 1 and 3
    out.mkdir()
    for split in wa.SPLITS:
        lines = (LABELS_DIR / f"{split}.tsv").read_text("utf-8").splitlines(keepends=True)
        kept = [line for line in lines if not line.startswith("4/")]
        (out / f"{split}.tsv").write_text("".join(kept), "utf-8")
    done = assemble.labeled_reports(corpus, out)
    assert done == {"1", "3"}
    items = assemble.articles_items(SOURCE, count=5, seed=2, skip=done)
    assert [i.id for i in items] == ["4/1/0", "4/2/0"]
    work = tmp_path / "work"
    assemble.prepare(items, work)
    for annotator in ("A", "B"):
        write_label_file(work / annotator / "batch_00.tsv", [("4/1/0", "diplomatic_move", "")])
        with (work / annotator / "batch_00.tsv").open("a", encoding="utf-8") as handle:
            handle.write("4/2/0\tallegation\n")
    summary = assemble.assemble(corpus, work, out)
    assert summary["sentences"] == 2 and summary["articles"] == 1
    assert summary["shipped_after_this_round"]["train"]["sentences"] == 5
    splits, report = wa.build(SOURCE, out)
    assert report.missing == [] and [len(splits[s]) for s in wa.SPLITS] == [5, 2]
    assert [r["id"] for r in splits["train"]][-2:] == ["4/1/0", "4/2/0"]
    with pytest.raises(SystemExit, match=r"no report of .* is left to draw"):
        assemble.articles_items(SOURCE, count=5, seed=2, skip=done | {"4"})
