"""The wikinews-sources builder and its annotation script.

tests/fixtures/wikinews holds invented articles in the WikinewsSum file's format, written
for these tests; the real file is never needed here.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from conflictnlp.cli import main
from conflictnlp.data import load_dataset
from conflictnlp.data import wikinews as wn
from conflictnlp.data.article_text import is_sentence
from conflictnlp.data.label_files import write_label_file
from conflictnlp.data.pinned_source import SourceError

FIXTURES = Path(__file__).parent / "fixtures"
SOURCE = FIXTURES / "wikinews" / wn.FILE_NAME
LABELS_DIR = FIXTURES / "wikinews_labels"


def test_sentences_are_english_distinct_and_numbered_by_their_place_in_the_file() -> None:
    sentences = list(wn.iter_sentences(SOURCE))
    ids = [s.id for s in sentences]
    # the headline line, the caption and the "(12 May 05 | Business )" tag are not
    # sentences; the German source (0/1) is skipped; the toll repeated by the second
    # English source (0/2/0/0) is kept only where it first appears (0/0/2/0)
    assert ids == ["0/0/1/0", "0/0/2/0", "0/0/4/0", "0/0/4/1", "0/2/1/0", "1/0/0/0", "1/0/1/0"]
    assert sentences[3].text == "Ostrava denied firing on the town."
    assert (sentences[3].article_id, sentences[3].position) == ("0/0", 5)  # 6th segment
    assert sentences[4].outlet == "wire.example.com"
    assert not is_sentence("Photo: smoke over Vesk")
    assert not is_sentence("Talks resumed.")  # too short to code
    assert is_sentence('"We will not leave," the mayor said.')


def test_load_rebuilds_the_test_split_and_names_a_file_that_is_not_the_pinned_one() -> None:
    with pytest.warns(UserWarning, match="not the pinned"):
        ds = wn.load(SOURCE.parent, labels=LABELS_DIR)
    assert list(ds) == ["test"]
    test = ds["test"]
    names = test.features["label"].names
    assert [names[i] for i in test["label"]][:5] == [
        "attack",
        "casualty_report",
        "other",
        "allegation",
        "diplomatic_move",
    ]
    assert test["label_alt"][3] == "other" and test["hard"][3]
    assert set(test["source"]) == {wn.NAME} and test["style"][0] == "wire_article"
    with pytest.raises(SourceError, match="not the pinned"):
        wn.load(SOURCE, labels=LABELS_DIR, strict=True)


def test_a_label_whose_sentence_changed_is_reported_by_id(tmp_path: Path) -> None:
    source = tmp_path / wn.FILE_NAME
    source.write_text(
        SOURCE.read_text(encoding="utf-8").replace("eleven wounded", "twelve wounded", 1),
        encoding="utf-8",
    )
    records, report = wn.build(source, LABELS_DIR)
    # the first copy changed; the identical sentence of the second English source was a
    # repeat before and is now the only copy, under its own id: matched by hash
    assert report.missing == []
    assert [r["id"] for r in records][1] == "0/0/2/0"
    source.write_text(
        source.read_text(encoding="utf-8").replace("eleven wounded", "twelve wounded"),
        encoding="utf-8",
    )
    _, report = wn.build(source, LABELS_DIR)
    assert report.missing == ["0/0/2/0"]
    assert "0/0/2/0" in report.summary()


def test_bad_requests_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=rf"needs source=.*{wn.PINNED_COMMIT}"):
        load_dataset(wn.NAME)
    with pytest.raises(ValueError, match="only a test split"):
        wn.load(SOURCE, "train", labels=LABELS_DIR)
    with pytest.raises(SourceError, match=rf"git checkout {wn.PINNED_COMMIT}"):
        wn.resolve_source(tmp_path)


def test_cli_builds_the_split_as_jsonl(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(wn, "labels_dir", lambda: LABELS_DIR)
    out = tmp_path / "built"
    assert main(["data", "build", wn.NAME, "--source", str(SOURCE), "--output", str(out)]) == 0
    rows = [json.loads(line) for line in (out / "test.jsonl").read_text("utf-8").splitlines()]
    assert len(rows) == 7 and rows[0]["text"].startswith("Artillery shells")
    assert "not the pinned" in capsys.readouterr().err


def test_assembly_combines_two_annotations_and_the_rulings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conftest import load_script

    assemble = load_script("scripts", "assemble_wikinews")
    work = tmp_path / "work"
    assert assemble.prepare(assemble.sources_items(SOURCE), work, batch_size=3) == [
        4,
        3,
    ]  # articles stay whole
    batch = (work / "batches" / "batch_00.tsv").read_text(encoding="utf-8")
    assert batch.splitlines()[1].startswith("# --- article 0/0 (news.example.org)")
    ids = [json.loads(line)["id"] for line in (work / "sample.jsonl").open(encoding="utf-8")]
    a = [(i, "other", "") for i in ids]
    b = [(i, "attack" if i == "0/0/1/0" else "other", "") for i in ids]
    for number, rows in (("00", ids[:4]), ("01", ids[4:])):
        write_label_file(work / "A" / f"batch_{number}.tsv", [r for r in a if r[0] in rows])
        write_label_file(work / "B" / f"batch_{number}.tsv", [r for r in b if r[0] in rows])
    monkeypatch.setattr(sys, "argv", ["x", "--work", str(work), "--prepare-adjudication", "00"])
    assemble.main()
    cases = (work / "disagreements_00.txt").read_text(encoding="utf-8")
    assert cases.count("## ") == 1 and "sentence: Artillery shells" in cases
    out = tmp_path / "labels"
    with pytest.raises(SystemExit, match=r"1 sentence\(s\) lack a label or a ruling"):
        assemble.assemble(assemble.CORPORA[wn.NAME], work, out)
    write_label_file(work / "adjudication" / "r.tsv", [("0/0/1/0", "attack", "other")])
    summary = assemble.assemble(assemble.CORPORA[wn.NAME], work, out)
    assert summary["sentences"] == 7 and summary["adjudicated"] == 1
    assert summary["disagreement_pairs"] == {"attack / other": 1}
    rows = wn.read_labels(out)
    assert rows[0]["label"] == "attack" and rows[0]["label_alt"] == "other"
    # what the script writes, the builder reads back against the same source
    shutil.copy(out / "test.tsv", tmp_path / "test.tsv")
    records, report = wn.build(SOURCE, tmp_path)
    assert report.missing == [] and len(records) == 7


def test_the_shipped_labels_are_well_formed_and_hold_no_text() -> None:
    rows = wn.read_labels()
    assert len(rows) == len({r["id"] for r in rows}) == len({r["hash"] for r in rows})
    assert all(len(r["hash"]) == 16 and int(r["hash"], 16) >= 0 for r in rows)
    assert set(rows[0]) == set(wn.LABEL_COLUMNS)  # no text column
    # a disagreement always went to the adjudicator; an agreement never did
    assert all((r["annotator_a"] != r["annotator_b"]) == (r["adjudicated"] == "true") for r in rows)


def test_a_malformed_source_file_names_its_line(tmp_path: Path) -> None:
    source = tmp_path / wn.FILE_NAME
    source.write_text(SOURCE.read_text(encoding="utf-8") + '{"title": "cut off\n', "utf-8")
    with pytest.raises(SourceError, match=r"cleaned_endataset\.json, line 3: not a JSON object"):
        list(wn.iter_sentences(source))
    empty = tmp_path / "empty" / wn.FILE_NAME
    empty.parent.mkdir()
    empty.write_text("", encoding="utf-8")
    records, report = wn.build(empty, LABELS_DIR)
    assert records == [] and len(report.missing) == 7  # every label reported, by id
