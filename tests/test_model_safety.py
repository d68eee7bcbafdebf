"""Damaged caches and model folders: rebuilt or refused with a message (issue 13)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from conflictnlp import Classifier
from conflictnlp.inference.onnx_backend import RECORD, cached_onnx_path, ensure_onnx_model

TEXTS = ["Rebels shelled the airport.", "Talks resumed in Doha."]


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    root = tmp_path / "cache"
    monkeypatch.setenv("CONFLICTNLP_CACHE", str(root))
    return root


@pytest.mark.parametrize("damage", ["truncate", "empty"])
def test_damaged_cached_model_is_rebuilt(tiny_model_dir, fresh_cache, damage):
    expected = Classifier.from_pretrained(tiny_model_dir).predict_proba(TEXTS)
    model = cached_onnx_path(tiny_model_dir, "int8")
    data = model.read_bytes()
    model.write_bytes(data[: len(data) // 2] if damage == "truncate" else b"")
    again = Classifier.from_pretrained(tiny_model_dir).predict_proba(TEXTS)
    np.testing.assert_allclose(again, expected, atol=1e-6)
    assert model.stat().st_size == json.loads((model.parent / RECORD).read_text())["size"]


def test_unloadable_cached_model_of_the_right_size_is_rebuilt(tiny_model_dir, fresh_cache):
    Classifier.from_pretrained(tiny_model_dir)
    model = cached_onnx_path(tiny_model_dir, "int8")
    model.write_bytes(b"\0" * model.stat().st_size)  # size matches its record, bytes do not
    assert Classifier.from_pretrained(tiny_model_dir).predict(TEXTS[0]).label


def test_stale_builds_and_old_versions_are_removed(tiny_model_dir, fresh_cache):
    import socket

    onnx_root = fresh_cache / "onnx"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)  # fmt: skip
    killed = onnx_root / f"tmp-{socket.gethostname()}-{dead.stdout.strip()}-abcd1234"
    (killed / "staged").mkdir(parents=True)
    (killed / "model_fp32.onnx").write_bytes(b"x" * 1000)
    running = onnx_root / f"tmp-{socket.gethostname()}-{os.getpid()}-live0000"
    running.mkdir()
    old = onnx_root / "0123456789abcdef-int8-v3"
    old.mkdir()
    (old / "model.onnx").write_bytes(b"old")
    ensure_onnx_model(tiny_model_dir, "int8")
    names = {p.name for p in onnx_root.iterdir()}
    assert killed.name not in names and old.name not in names
    assert running.name in names  # a build in progress (a live process) is left alone
    assert cached_onnx_path(tiny_model_dir, "int8").parent.name in names


def test_missing_local_path_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"runs/my-modle: no such model folder"):
        Classifier.from_pretrained("runs/my-modle")
    with pytest.raises(FileNotFoundError, match=r"no such model folder") as info:
        Classifier.from_pretrained(str(tmp_path / "nope"))
    assert "Repo id" not in str(info.value)


def damaged_copy(tiny_model_dir, tmp_path, config_text):
    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    (folder / "config.json").write_text(config_text)
    return folder


def test_corrupt_config_names_the_file(tiny_model_dir, tmp_path):
    folder = damaged_copy(tiny_model_dir, tmp_path, '{"model_type": "bert",')
    with pytest.raises(ValueError, match=r"config\.json is not valid JSON \(line 1"):
        Classifier.from_pretrained(folder)


def test_config_that_is_a_list(tiny_model_dir, tmp_path):
    folder = damaged_copy(tiny_model_dir, tmp_path, "[1, 2]")
    with pytest.raises(ValueError, match=r"config\.json holds a JSON list"):
        Classifier.from_pretrained(folder)


def test_unknown_onnx_recipe_is_refused(tiny_model_dir, tmp_path):
    config = json.loads((tiny_model_dir / "config.json").read_text())
    config["conflictnlp"]["onnx_recipe"] = "int4"
    folder = damaged_copy(tiny_model_dir, tmp_path, json.dumps(config))
    with pytest.raises(ValueError, match=r"onnx_recipe is 'int4'; it must be one of"):
        Classifier.from_pretrained(folder)


@pytest.mark.parametrize("temperature", [0, -1.0, "hot", None])
def test_bad_temperature_is_refused(tiny_model_dir, tmp_path, temperature):
    config = json.loads((tiny_model_dir / "config.json").read_text())
    config["conflictnlp"]["temperature"] = temperature
    folder = damaged_copy(tiny_model_dir, tmp_path, json.dumps(config))
    with pytest.raises(ValueError, match=r"temperature is .*must be a positive number"):
        Classifier.from_pretrained(folder)


def test_temperature_zero_exits_2_in_the_cli(capsys, tiny_model_dir, tmp_path):
    from conflictnlp.cli import main

    config = json.loads((tiny_model_dir / "config.json").read_text())
    config["conflictnlp"]["temperature"] = 0
    folder = damaged_copy(tiny_model_dir, tmp_path, json.dumps(config))
    assert main(["classify", "Talks resumed.", "--model", str(folder)]) == 2
    assert "temperature" in capsys.readouterr().err


@pytest.mark.parametrize("backend", ["onnx", "torch"])
def test_pickle_only_folder_is_refused(tiny_model_dir, tmp_path, backend):
    import torch
    from safetensors.torch import load_file

    folder = tmp_path / "pickled"
    shutil.copytree(tiny_model_dir, folder)
    torch.save(load_file(folder / "model.safetensors"), folder / "pytorch_model.bin")
    (folder / "model.safetensors").unlink()
    with pytest.raises(ValueError, match=r"only pickled weights \(pytorch_model\.bin\)"):
        Classifier.from_pretrained(folder, backend=backend)


def test_int8_that_changes_labels_falls_back_to_fp32(tiny_model_dir, fresh_cache, monkeypatch):
    from conflictnlp.inference import onnx_backend

    kept = json.loads(
        (ensure_onnx_model(tiny_model_dir, "int8").parent / RECORD).read_text(encoding="utf-8")
    )
    assert kept["int8_label_agreement"] >= onnx_backend.MIN_INT8_AGREEMENT
    assert "fallback" not in kept
    shutil.rmtree(fresh_cache)
    # a model whose int8 copy would change too many labels (MPNet's does) runs in fp32
    monkeypatch.setattr(onnx_backend, "MIN_INT8_AGREEMENT", 1.01)
    with pytest.warns(UserWarning, match="its fp32 ONNX export is used instead"):
        clf = Classifier.from_pretrained(tiny_model_dir, backend="onnx")
    record = json.loads((clf.backend.path.parent / RECORD).read_text(encoding="utf-8"))
    assert record["fallback"] == "fp32" and record["int8_label_agreement"] <= 1.0
    fp32 = Classifier.from_pretrained(tiny_model_dir, backend="onnx", onnx_recipe="fp32")
    np.testing.assert_allclose(clf.predict_proba(TEXTS), fp32.predict_proba(TEXTS), atol=1e-6)
