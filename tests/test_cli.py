"""The command line: outputs, row-level errors, documents and exit codes."""

from __future__ import annotations

import csv
import json

import pytest

from conflictnlp.cli import main
from conflictnlp.labels import LABELS


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_help_shows_examples(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    assert "conflictnlp classify --input" in capsys.readouterr().out


def test_classify_text(capsys, tiny_model_dir):
    code, out, _ = run(capsys, "classify", "Rebels shelled the airport.", "--model", tiny_model_dir)
    label, score = out.strip().split("\t")
    assert code == 0 and label in LABELS and 0 < float(score) <= 1


def test_jsonl_keeps_every_row_in_order(capsys, tiny_model_dir, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(
        "\n".join(
            [
                json.dumps({"id": 1, "text": "Rebels shelled the airport.", "source": "a"}),
                "{broken json",
                json.dumps({"id": 3, "text": ""}),
                json.dumps({"id": 4}),
                json.dumps({"id": 5, "text": 17}),
                json.dumps({"id": 6, "text": "Talks resumed in Doha."}),
            ]
        )
        + "\n"
    )
    out = tmp_path / "out.jsonl"
    code, _, err = run(
        capsys, "classify", "--input", src, "--output", out, "--model", tiny_model_dir
    )
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert code == 0 and len(rows) == 6
    assert rows[0]["source"] == "a" and rows[0]["label"] in LABELS
    assert set(rows[0]["scores"]) == set(LABELS)
    assert "not valid JSON" in rows[1]["error"] and rows[1]["line"] == 2
    assert "empty" in rows[2]["error"] and "missing" in rows[3]["error"]
    assert "int" in rows[4]["error"]
    assert rows[5]["id"] == 6 and "label" in rows[5]
    assert "4 of 6 input rows could not be classified" in err


def test_csv_with_text_field(capsys, tiny_model_dir, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text('doc,sentence\n1,"Shelling, then silence."\n2,\n3,Talks resumed.\n')
    out = tmp_path / "out.csv"
    code, _, _ = run(
        capsys,
        "classify",
        "--input",
        src,
        "--output",
        out,
        "--text-field",
        "sentence",
        "--model",
        tiny_model_dir,
    )
    rows = list(csv.DictReader(out.open()))
    assert code == 0 and [r["doc"] for r in rows] == ["1", "2", "3"]
    assert rows[0]["label"] in LABELS and rows[1]["error"] and not rows[1]["label"]
    assert list(rows[0])[:2] == ["doc", "sentence"]


def test_txt_input_and_chunking(capsys, tiny_model_dir, tmp_path, monkeypatch):
    import conflictnlp.inference.files as files

    src = tmp_path / "in.txt"
    src.write_text("".join(f"Sentence number {i} about a clash.\n" for i in range(25)) + "\n")
    out = tmp_path / "out.jsonl"
    original = files.iter_classified
    monkeypatch.setattr(
        files, "iter_classified", lambda *a, **k: original(*a, **{**k, "chunk_size": 4})
    )
    assert (
        run(capsys, "classify", "--input", src, "--output", out, "--model", tiny_model_dir)[0] == 0
    )
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["text"] for r in rows] == [f"Sentence number {i} about a clash." for i in range(25)]


def test_document_mode(capsys, tiny_model_dir, tmp_path):
    article = "Drones hit the depot. Six people died.\n\nTalks resumed in Geneva."
    src = tmp_path / "a.jsonl"
    src.write_text(
        json.dumps({"id": "art-1", "text": article}) + "\n" + json.dumps({"id": "x"}) + "\n"
    )
    out = tmp_path / "s.jsonl"
    code, _, _ = run(
        capsys, "classify", "--document", "--input", src, "--output", out, "--model", tiny_model_dir
    )
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert code == 0 and [r["sentence_index"] for r in rows[:3]] == [0, 1, 2]
    assert all(article[r["start"] : r["end"]] == r["text"] for r in rows[:3])
    assert rows[0]["row_id"] == "art-1" and rows[3]["row_id"] == "x" and rows[3]["error"]


def test_document_txt_prints_table(capsys, tiny_model_dir, tmp_path):
    src = tmp_path / "a.txt"
    src.write_text("Drones hit the depot.\nSix people died.")
    code, out, _ = run(capsys, "classify", "--document", "--input", src, "--model", tiny_model_dir)
    assert code == 0 and "Drones hit the depot." in out and "label" in out.splitlines()[0]


@pytest.mark.parametrize(
    "args",
    [
        ["--input", "missing.jsonl", "--output", "o.jsonl"],
        ["--input", "in.docx", "--output", "o.jsonl"],
    ],
)
def test_unreadable_input_exits_nonzero(capsys, tiny_model_dir, tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "classify", *args, "--model", tiny_model_dir)
    assert code == 2 and "error" in err


def test_unwritable_output_exits_nonzero(capsys, tiny_model_dir, tmp_path):
    src = tmp_path / "in.txt"
    src.write_text("Talks resumed.\n")
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, _, err = run(
        capsys,
        "classify",
        "--input",
        src,
        "--output",
        blocker / "out.jsonl",
        "--model",
        tiny_model_dir,
    )
    assert code == 2 and "error" in err


def test_text_and_input_are_exclusive(capsys, tiny_model_dir):
    code, _, err = run(capsys, "classify", "--model", tiny_model_dir)
    assert code == 2 and "either TEXT or --input" in err


def test_evaluate_command(capsys, tiny_model_dir, tiny_data_dir, tmp_path):
    code, out, _ = run(
        capsys,
        "evaluate",
        "--data",
        tiny_data_dir / "test.jsonl",
        "--model",
        tiny_model_dir,
        "--group-by",
        "setting",
        "--out",
        tmp_path / "r",
    )
    assert code == 0 and "macro-F1" in out
    assert (tmp_path / "r" / "report.html").is_file()


def test_evaluate_bad_data_names_file_and_line(capsys, tiny_model_dir, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        json.dumps({"text": "ok", "label": "attack"})
        + "\n"
        + json.dumps({"text": "x", "label": "bombing"})
        + "\n"
    )
    code, _, err = run(
        capsys, "evaluate", "--data", bad, "--model", tiny_model_dir, "--out", tmp_path / "r"
    )
    assert code == 2 and "bad.jsonl, line 2: unknown label 'bombing'" in err
