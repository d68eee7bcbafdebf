"""The annotation work-folder scripts: a folder rebuilt from the shipped labels and the
snapshot must assemble back into the same label files, or a new round would silently
rewrite the old ones."""

from __future__ import annotations

import json
import shutil
import sys
from collections import Counter
from pathlib import Path

import pytest

from conflictnlp.data import current_events as ce

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"


def _script(name: str):
    from conftest import load_script

    return load_script("scripts", name)


def test_a_rebuilt_work_folder_assembles_into_the_same_label_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    labels = tmp_path / "labels"
    shutil.copytree(FIXTURES / "current_events_labels", labels)
    assemble = _script("assemble_current_events")
    monkeypatch.setattr(ce, "labels_dir", lambda: labels)
    monkeypatch.setattr(assemble, "labels_dir", lambda: labels)
    monkeypatch.setattr(assemble, "_countries", lambda texts: Counter())  # needs pycountry
    work = tmp_path / "work"

    count = assemble.rebuild_work(FIXTURES / "current_events", work)

    before = {p.name: p.read_bytes() for p in labels.glob("*.tsv")}
    assert count == sum(len(rows) for rows in ce.read_labels(labels).values())
    assert (work / "adjudication" / "shipped.tsv").read_text(encoding="utf-8").strip()
    assert "2021-03-04/3/0" in (work / "review" / "rulings" / "shipped.tsv").read_text("utf-8")
    summary = tmp_path / "summary.json"
    monkeypatch.setattr(sys, "argv", ["assemble", "--work", str(work), "--summary", str(summary)])
    assemble.main()
    assert {p.name: p.read_bytes() for p in labels.glob("*.tsv")} == before
    assert summary.is_file()


def test_rebuilding_from_another_snapshot_fails_by_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    snapshot = tmp_path / "snapshot"
    shutil.copytree(FIXTURES / "current_events", snapshot)
    day = next(snapshot.rglob("2021-*.yaml"))
    day.unlink()
    assemble = _script("assemble_current_events")
    monkeypatch.setattr(ce, "labels_dir", lambda: FIXTURES / "current_events_labels")
    with pytest.raises(ValueError, match=r"shipped labels not in .*2021-"):
        assemble.rebuild_work(snapshot, tmp_path / "work")


def _stub_model(monkeypatch: pytest.MonkeyPatch, probs: dict[str, list[float]]) -> None:
    """Every model becomes one that gives each text the probabilities listed for it."""
    import numpy as np

    import conflictnlp

    class Stub:
        def predict_proba(self, texts, batch_size=32):
            return np.array([probs[t] for t in texts])

    monkeypatch.setattr(conflictnlp.Classifier, "from_pretrained", lambda model: Stub())


def _items(*texts_per_item: tuple[str, ...]) -> list[list[dict]]:
    return [[{"text": t, "hash": f"h-{t}"} for t in texts] for texts in texts_per_item]


def test_uncertainty_sampling_takes_the_least_certain_items_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sample = _script("sample_current_events")
    # margins between the two top labels: 0.8, 0.1, 0.5 and 0.0
    _stub_model(
        monkeypatch,
        {
            "calm": [0.9, 0.1, 0, 0, 0],
            "torn": [0.5, 0.4, 0.1, 0, 0],
            "fair": [0.7, 0.2, 0.1, 0, 0],
            "known": [0.5, 0.5, 0, 0, 0],
        },
    )
    items = _items(("calm",), ("fair",), ("calm", "calm", "torn"), ("known", "torn"))
    # an item counts by its least certain sentence; one with a labeled sentence is skipped
    assert sample._by_uncertainty(items, "stub", known={"h-known"}) == [2, 1, 0]


def test_a_focused_round_counts_only_the_doubt_about_its_label(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sample = _script("sample_current_events")
    # labels: attack, casualty_report, diplomatic_move, allegation, other
    _stub_model(
        monkeypatch,
        {
            "torn": [0.5, 0.45, 0.05, 0, 0],  # the least certain, but attack or casualty
            "doubt": [0.45, 0, 0, 0.35, 0.2],  # allegation second, margin 0.10
            "sure": [0.05, 0, 0, 0.9, 0.05],  # allegation first, margin 0.85
            "calm": [0.1, 0, 0, 0, 0.9],  # allegation not among the top two: not counted
        },
    )
    items = _items(("torn",), ("calm", "sure"), ("torn", "doubt"), ("calm",))
    assert sample._by_uncertainty(items, "stub", known=set()) == [0, 2, 1, 3]
    # the torn sentence no longer counts: item 2 ranks by its doubt about allegation, and
    # the items with no sentence near allegation are left out altogether
    assert sample._by_uncertainty(items, "stub", known=set(), focus="allegation") == [2, 1]


def test_focus_needs_a_model(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    sample = _script("sample_current_events")
    command = ["sample_current_events.py", "--source", "x", "--out", "y", "--top-up", "5"]
    monkeypatch.setattr(sys, "argv", [*command, "--round", "train-6", "--focus", "allegation"])
    with pytest.raises(SystemExit):
        sample.main()
    assert "--focus LABEL needs --uncertain-by MODEL" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "wrong"),
    [
        (["--round", "train-4"], "a model round without a model"),
        (["--round", "validation-2", "--uncertain-by", "default"], "a keyword round with one"),
    ],
)
def test_uncertainty_rounds_and_a_model_go_together(
    argv: list[str], wrong: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    sample = _script("sample_current_events")
    command = ["sample_current_events.py", "--source", "x", "--out", "y", "--top-up", "5"]
    monkeypatch.setattr(sys, "argv", command + argv)
    with pytest.raises(SystemExit):
        sample.main()
    assert "train-3, train-4, train-5" in capsys.readouterr().err, wrong


def test_a_validation_top_up_adds_only_new_validation_sentences(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    snapshot = tmp_path / "snapshot"
    shutil.copytree(FIXTURES / "current_events", snapshot)
    (snapshot / "2022" / "08").mkdir()
    (snapshot / "2022" / "08" / "2022-08-02.yaml").write_text(
        "Date: '2022-08-02'\n"
        "Source_URI: Portal:Current events/2022 August 2\n"
        "Intelligence_Payload:\n"
        "  Uncategorized:\n"
        "  - Rebels accuse the army of shelling a market in Velmor. (Wire One)\n"
        # a stock sentence already labeled in a training year: must not enter validation
        "  - The parliament of Ostrava elects Dana Kel as speaker after a third round of\n"
        "    voting. (Daily Ledger)\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(ce, "labels_dir", lambda: FIXTURES / "current_events_labels")
    work = tmp_path / "work"
    _script("assemble_current_events").rebuild_work(snapshot, work)
    before = (work / "sample.jsonl").read_text(encoding="utf-8")
    sample = _script("sample_current_events")

    sample.top_up(str(snapshot), work, 10, 13, "validation-2", chunk=5)

    added = (work / "sample.jsonl").read_text(encoding="utf-8")[len(before) :]
    rows = [json.loads(line) for line in added.splitlines()]
    assert [(r["id"], r["split"]) for r in rows] == [("2022-08-02/0/0", "validation")]
    batches = sorted(work.glob("batch_*.tsv"))
    assert [p.name for p in batches] == ["batch_01.tsv"]
    assert "2022-08-02/0/0\tRebels accuse the army" in batches[0].read_text(encoding="utf-8")


def _shipped_rows(split: str, *texts: str) -> str:
    rows = [
        {
            "id": f"{split[:2]}-A-{i:04d}",
            "text": text,
            "label": "other",
            "article_id": "",
            "position": None,
            "setting": "Mali",
            "style": "wire",
            "hard": False,
        }
        for i, text in enumerate(texts, 1)
    ]
    return "".join(json.dumps(r) + "\n" for r in rows)


def test_a_written_round_is_labeled_twice_adjudicated_and_kept_out_of_evaluation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assemble = _script("assemble_dataset")
    out = tmp_path / "data"
    out.mkdir()
    (out / "train.jsonl").write_text(_shipped_rows("train", "The talks resumed in Bamako."))
    (out / "validation.jsonl").write_text(_shipped_rows("validation", "Nothing happened today."))
    held_out = "Gunmen on motorbikes attacked a market in the village of Tessit on Friday."
    (out / "test.jsonl").write_text(_shipped_rows("test", held_out))
    monkeypatch.setattr(assemble, "OUT", out)
    work = tmp_path / "round"
    work.mkdir()
    article = {"article": "trZ-01", "setting": "Mali", "style": "wire"}
    lines = [
        {**article, "position": 0, "text": "The talks resumed in Bamako!", "label": "other"},
        {
            **article,
            "position": 1,
            "text": "Parliament approved the budget on Monday.",
            "label": "other",
        },
        {**article, "position": 2, "text": held_out.replace("Friday", "Sunday"), "label": "attack"},
        {
            **article,
            "position": 3,
            "text": "The army accused rebels of shelling a school.",
            "label": "attack",
        },
    ]
    # an article about a conflict only the test split has goes whole, though only one of
    # its sentences names the place
    unseen = {"article": "trZ-02", "setting": "Thailand", "style": "wire", "label": "other"}
    lines += [
        {**unseen, "position": 0, "text": "A grenade was thrown at a checkpoint in Narathiwat."},
        {**unseen, "position": 1, "text": "The governor appealed for calm on Friday evening."},
    ]
    (work / "train_Z.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))

    assemble.STEPS["second"](work, None)
    assert "# article trZ-01\ntr-Z-0001\tThe talks" in (work / "blind_Z.tsv").read_text()
    (work / "second").mkdir()
    (work / "second" / "train_Z.tsv").write_text(
        "tr-Z-0001\tother\ntr-Z-0002\tother\ntr-Z-0003\tattack\ntr-Z-0004\tallegation\n"
        "tr-Z-0005\tother\ntr-Z-0006\tother\n"
    )
    assemble.STEPS["adjudication"](work, None)
    assert (work / "disagreements_Z.txt").read_text().count("## ") == 1
    with pytest.raises(SystemExit, match=r"adjudication/train_Z\.tsv is missing"):
        assemble.STEPS["append"](work, None)
    (work / "adjudication").mkdir()
    (work / "adjudication" / "train_Z.tsv").write_text("tr-Z-0004\tallegation\t\n")
    summary = tmp_path / "summary.json"

    assemble.STEPS["append"](work, summary)

    train = [json.loads(line) for line in (out / "train.jsonl").read_text().splitlines()]
    # the repeat of a shipped sentence, the near-copy of a test sentence and the article
    # about an unseen test conflict are dropped; the first article keeps its order, renumbered
    assert [(r["id"], r["label"], r["position"]) for r in train[1:]] == [
        ("tr-Z-0002", "other", 0),
        ("tr-Z-0004", "allegation", 1),
    ]
    report = json.loads(summary.read_text())
    assert report["authors"]["tr-Z"]["disagreements"] == 1
    assert {d["id"] for d in report["dropped"]} == {
        "tr-Z-0001",
        "tr-Z-0003",
        "tr-Z-0005",
        "tr-Z-0006",
    }
    with pytest.raises(SystemExit, match=r"already in train\.jsonl"):
        assemble.STEPS["append"](work, None)


def test_one_reader_serves_both_workflows_label_files(tmp_path: Path) -> None:
    from conflictnlp.data.label_files import read_label_file, write_label_file
    from conflictnlp.data.labeled import DataError

    path = tmp_path / "A" / "batch_01.tsv"
    write_label_file(path, [("s1", "attack", "other"), ("s2", "other", "other")])
    with path.open("a", encoding="utf-8") as handle:
        handle.write("# a comment\n\ns3\tallegation\tnonsense\ns1\tcasualty_report\t\n")
    # a repeated id keeps its last line; an alt that repeats the label or is no label goes
    assert read_label_file(path) == {
        "s1": ("casualty_report", ""),
        "s2": ("other", ""),
        "s3": ("allegation", ""),
    }
    with path.open("a", encoding="utf-8") as handle:
        handle.write("s4\tatack\t\n")
    with pytest.raises(DataError, match=r"batch_01\.tsv, line 7: label 'atack'"):
        read_label_file(path)
    # a step not done yet is an error, not an empty batch
    with pytest.raises(DataError, match=r"B/batch_01\.tsv is missing"):
        read_label_file(tmp_path / "B" / "batch_01.tsv")


def test_adjudication_is_not_prepared_before_both_annotations_exist(tmp_path: Path) -> None:
    from conflictnlp.data.label_files import write_label_file
    from conflictnlp.data.labeled import DataError

    assemble = _script("assemble_current_events")
    (tmp_path / "batch_01.tsv").write_text("# item d/0\nd/0/0\tA sentence.\n", encoding="utf-8")
    write_label_file(tmp_path / "A" / "batch_01.tsv", [("d/0/0", "other", "")])
    with pytest.raises(DataError, match="is missing"):
        assemble.prepare_adjudication(tmp_path, "01")
    write_label_file(tmp_path / "B" / "batch_01.tsv", [("d/0/0", "attack", "")])
    assert assemble.prepare_adjudication(tmp_path, "01") == 1


def _teacher_cache(folder: Path, probs: dict[str, list[float]]) -> Path:
    """A teacher-label cache as `conflictnlp label-pool` writes it: keyed by text hash."""
    import numpy as np

    from conflictnlp.training.teacher_labels import text_hash

    folder.mkdir(parents=True)
    np.savez(
        folder / "chunk-000000.npz",
        hashes=np.array([text_hash(t) for t in probs]),
        log_probs=np.log(np.clip(np.array(list(probs.values())), 1e-9, None)),
    )
    return folder


def test_a_teacher_cache_chooses_a_round_without_loading_a_model(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import conflictnlp

    sample = _script("sample_current_events")

    def no_model(model):
        raise AssertionError("a teacher cache must not load a model")

    monkeypatch.setattr(conflictnlp.Classifier, "from_pretrained", no_model)
    cache = _teacher_cache(
        tmp_path / "teacher_labels",
        {
            "doubt": [0.45, 0, 0, 0.35, 0.2],  # allegation second, margin 0.10
            "sure": [0.05, 0, 0, 0.9, 0.05],  # allegation first, margin 0.85
            "torn": [0.5, 0.45, 0.05, 0, 0],  # margin 0.05, allegation not in the top two
        },
    )
    # "unseen" was never labelled by the teacher: it counts as unknown, not as certain or
    # uncertain, so an item of unseen sentences only is left out
    items = _items(("sure",), ("unseen",), ("unseen", "doubt"), ("torn",))
    assert sample._by_uncertainty(items, str(cache), known=set()) == [3, 2, 0]
    assert sample._by_uncertainty(items, str(cache), known=set(), focus="allegation") == [2, 0]


@pytest.mark.filterwarnings("ignore::UserWarning")  # kappa over one sentence is undefined
def test_a_label_audit_reviews_what_the_teachers_contradict_and_overrules_only_by_ruling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conflictnlp.data.label_files import write_label_file

    labels = tmp_path / "labels"
    shutil.copytree(FIXTURES / "current_events_labels", labels)
    assemble, review = _script("assemble_current_events"), _script("review_labels")
    monkeypatch.setattr(ce, "labels_dir", lambda: labels)
    monkeypatch.setattr(assemble, "labels_dir", lambda: labels)
    monkeypatch.setattr(assemble, "_countries", lambda texts: Counter())
    work = tmp_path / "work"
    assemble.rebuild_work(FIXTURES / "current_events", work)
    lines = (work / "sample.jsonl").read_text(encoding="utf-8").splitlines()
    text = {row["id"]: row["text"] for row in map(json.loads, lines)}
    # shipped: attack, other, casualty_report, diplomatic_move (labels: attack,
    # casualty_report, diplomatic_move, allegation, other). Both teachers contradict the
    # second; they split on the third (0.45 each on two labels), which is not flagged.
    ids = ["2021-03-04/1/0", "2021-03-04/1/1", "2021-03-04/2/0", "2021-03-04/3/0"]
    agreed = {
        text[ids[0]]: [0.9, 0.1, 0, 0, 0],
        text[ids[1]]: [0.9, 0.1, 0, 0, 0],
        text[ids[3]]: [0, 0, 0.9, 0, 0.1],
    }
    one = _teacher_cache(tmp_path / "t1", {**agreed, text[ids[2]]: [0, 0.1, 0, 0, 0.9]})
    two = _teacher_cache(tmp_path / "t2", {**agreed, text[ids[2]]: [0.9, 0.1, 0, 0, 0]})

    assert review.flag(work, [one, two], threshold=0.7, chunk=160) == 1
    batch = (work / "review" / "batch_01.tsv").read_text(encoding="utf-8")
    # blind: the sentence with its item's earlier sentence as context, and no label
    assert batch == f"# item 2021-03-04/1\n# context: {text[ids[0]]}\n{ids[1]}\t{text[ids[1]]}\n"
    with pytest.raises(SystemExit, match="lacks the teacher's labels for 1 training"):
        review.flag(work, [_teacher_cache(tmp_path / "t3", agreed)], 0.7, 160)

    # an unfinished review is an error that names the file, not a silent gap
    write_label_file(work / "review" / "A" / "batch_01.tsv", [])
    write_label_file(work / "review" / "B" / "batch_01.tsv", [(ids[1], "other", "")])
    with pytest.raises(SystemExit, match=r"A/batch_01\.tsv lacks 1 sentence"):
        review.prepare_adjudication(work, "01")
    # one reviewer keeps the shipped label: two of three, it stands
    write_label_file(work / "review" / "A" / "batch_01.tsv", [(ids[1], "attack", "")])
    write_label_file(work / "review" / "B" / "batch_01.tsv", [(ids[1], "other", "")])
    assert review.prepare_adjudication(work, "01") == 0
    # neither does: the three labels go to an adjudicator, unattributed
    write_label_file(work / "review" / "B" / "batch_01.tsv", [(ids[1], "attack", "other")])
    assert review.prepare_adjudication(work, "01") == 1
    cases = (work / "review" / "cases_01.txt").read_text(encoding="utf-8")
    assert f"context: {text[ids[0]]}" in cases and "annotator" not in cases
    assert sorted(cases.split("labels: ")[1].strip().split(", ")) == ["attack", "attack", "other"]

    write_label_file(work / "review" / "rulings" / "batch_01.tsv", [(ids[1], "attack", "")])
    summary_file = tmp_path / "summary.json"
    monkeypatch.setattr(
        sys, "argv", ["assemble", "--work", str(work), "--summary", str(summary_file)]
    )
    assemble.main()
    rows = {row["id"]: row for row in ce.read_labels(labels)["train"]}
    assert (rows[ids[1]]["label"], rows[ids[1]]["reviewed"]) == ("attack", "true")
    # the blind annotations stay as they were, so the round's kappa is still theirs
    assert (rows[ids[1]]["annotator_a"], rows[ids[1]]["annotator_b"]) == ("other", "attack")
    assert rows[ids[3]]["reviewed"] == "true" and rows[ids[0]]["reviewed"] == "false"
    result = review.summary(work)
    assert (result["flagged"], result["adjudicated"], result["changes"]) == (
        1,
        1,
        {"other -> attack": 1},
    )
