"""Training on the tiny model: output layout, adapters, resume, precision selection."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from conflictnlp import Classifier, train
from conflictnlp.training.config import parse_config
from conflictnlp.training.trainer import CHECKPOINTS, mixed_precision

PROBE = ["Rebels shelled the airport.", "The death toll rose to 40.", "Talks resumed."]


def tiny_config(base, data, method="lora", **training):
    return parse_config(
        {
            "model": {
                "base_model": str(base),
                "method": method,
                "max_length": 32,
                "name": "tiny-run",
                "lora_target_modules": ["query", "value"],
            },
            "data": {"path": str(data)},
            "training": {"epochs": 2, "batch_size": 8, "learning_rate": 0.01, **training},
        }
    )


@pytest.fixture(scope="module")
def lora_run(tiny_base_dir, tiny_data_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("lora-run")
    return train(tiny_config(tiny_base_dir, tiny_data_dir), output_dir=out)


def test_output_folder_layout(lora_run):
    names = {p.name for p in lora_run.iterdir()}
    assert {
        "adapter_model.safetensors",
        "adapter_config.json",
        "config.json",
        "tokenizer.json",
        "metrics.json",
        "README.md",
        "training_config.json",
        "evaluation",
    } <= names
    assert CHECKPOINTS not in names
    pickles = [p for p in lora_run.rglob("*") if p.suffix in {".bin", ".pt", ".pth", ".pkl"}]
    assert pickles == []
    config = json.loads((lora_run / "config.json").read_text())
    assert config["id2label"]["3"] == "allegation"
    assert config["conflictnlp"]["temperature"] > 0
    metrics = json.loads((lora_run / "metrics.json").read_text())
    assert {"validation", "test"} <= set(metrics) and metrics["test"]["n"] == 25
    assert (lora_run / "evaluation" / "report.html").is_file()
    card = (lora_run / "README.md").read_text()
    assert "## Intended use" in card and "## Limitations" in card and "macro-F1" in card


@pytest.mark.parametrize("backend", ["torch", "onnx"])
def test_trained_folder_loads_and_predicts(lora_run, backend):
    preds = Classifier.from_pretrained(lora_run, backend=backend).predict(PROBE)
    assert len(preds) == 3 and all(p.text == t for p, t in zip(preds, PROBE, strict=False))


def test_adapter_without_weights_fails_loudly(lora_run, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(lora_run, broken)
    (broken / "adapter_model.safetensors").unlink()
    with pytest.raises(FileNotFoundError, match="adapter weights are missing"):
        Classifier.from_pretrained(broken, backend="torch")


def test_full_fine_tuning_and_learning(tiny_base_dir, tiny_data_dir, tmp_path):
    cfg = tiny_config(
        tiny_base_dir, tiny_data_dir, method="full", epochs=25, learning_rate=0.002, batch_size=4
    )
    out = train(cfg, output_dir=tmp_path / "full")
    assert (out / "model.safetensors").is_file()
    # the train split equals the test split here, so training must beat chance (0.2)
    assert json.loads((out / "metrics.json").read_text())["test"]["accuracy"] > 0.4


def test_resume_reaches_the_same_model(tiny_base_dir, tiny_data_dir, tmp_path):
    cfg = tiny_config(tiny_base_dir, tiny_data_dir, method="full", keep_checkpoints=True)
    whole = train(cfg, output_dir=tmp_path / "whole")
    expected = Classifier.from_pretrained(whole, backend="torch").predict_proba(PROBE)
    # simulate a run killed after its first epoch: keep only the first checkpoint
    interrupted = tmp_path / "interrupted"
    shutil.copytree(whole / CHECKPOINTS, interrupted / CHECKPOINTS)
    checkpoints = sorted(
        (interrupted / CHECKPOINTS).glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1])
    )
    for later in checkpoints[1:]:
        shutil.rmtree(later)
    resumed = train(cfg, output_dir=interrupted, resume=True)
    got = Classifier.from_pretrained(resumed, backend="torch").predict_proba(PROBE)
    np.testing.assert_allclose(got, expected, atol=1e-4)


def test_resume_without_checkpoint(tiny_base_dir, tiny_data_dir, tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        train(tiny_config(tiny_base_dir, tiny_data_dir), output_dir=tmp_path, resume=True)


def test_mixed_precision_selection():
    assert mixed_precision("cpu", False) == "no"
    assert mixed_precision("cuda", True) == "bf16"
    assert mixed_precision("cuda", False) == "fp16"


def test_temperature_is_fitted_on_logits_and_labels_in_the_same_order(
    tiny_base_dir, tiny_data_dir, tmp_path
):
    # length-grouped batches make the Trainer evaluate out of dataset order
    from conflictnlp.data import load_dataset
    from conflictnlp.training.calibration import fit_temperature

    cfg = tiny_config(tiny_base_dir, tiny_data_dir, epochs=6, group_by_length=True)
    out = train(cfg, output_dir=tmp_path / "grouped")
    clf = Classifier.from_pretrained(out, backend="torch")
    validation = load_dataset(tiny_data_dir, split="validation")
    saved = clf.settings.temperature
    logits = np.log(clf.predict_proba(list(validation["text"]))) * saved
    assert saved == pytest.approx(
        fit_temperature(logits, np.asarray(validation["label"])), rel=0.02
    )
