"""benchmarks/adapter_soup.py: the soup's merged weights are the mean of its inputs'."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch
from conftest import load_script, quick_lora_config

from conflictnlp import train
from conflictnlp.inference.torch_backend import load_torch_model


@pytest.fixture(scope="module")
def soup() -> Any:
    return load_script("benchmarks", "adapter_soup")


@pytest.fixture(scope="module")
def two_runs(tiny_base_dir, tiny_data_dir, tmp_path_factory) -> list[Path]:
    """Two LoRA adapters of one tiny base, trained with different seeds."""
    return [
        train(
            quick_lora_config(tiny_base_dir, tiny_data_dir, training={"seed": seed}),
            output_dir=tmp_path_factory.mktemp(f"run-{seed}"),
        )
        for seed in (1, 2)
    ]


def test_soup_is_the_mean_of_the_merged_models(soup, two_runs, tmp_path):
    out = soup.average_adapters(two_runs, tmp_path / "soup")
    merged = [load_torch_model(run).state_dict() for run in two_runs]
    mixed = load_torch_model(out).state_dict()
    assert set(mixed) == set(merged[0])
    moved = 0
    for key, value in mixed.items():
        mean = (merged[0][key] + merged[1][key]) / 2
        torch.testing.assert_close(value, mean, rtol=1e-5, atol=1e-6, msg=key)
        moved += not torch.equal(merged[0][key], merged[1][key])
    assert moved > 0  # the two runs differ, so the test can fail
    config = json.loads((out / "adapter_config.json").read_text())
    first = json.loads((two_runs[0] / "adapter_config.json").read_text())
    assert (config["r"], config["lora_alpha"]) == (2 * first["r"], 2 * first["lora_alpha"])


def test_soup_refuses_what_does_not_average(soup, two_runs, tmp_path):
    with pytest.raises(ValueError, match="at least two"):
        soup.average_adapters(two_runs[:1], tmp_path / "one")
    other = tmp_path / "other"
    other.mkdir()
    for item in two_runs[1].iterdir():
        if item.is_file():
            (other / item.name).write_bytes(item.read_bytes())
    config = json.loads((other / "adapter_config.json").read_text())
    reordered = dict(config, target_modules=config["target_modules"][::-1])
    (other / "adapter_config.json").write_text(json.dumps(reordered))
    soup.average_adapters([two_runs[0], other], tmp_path / "reordered")  # PEFT's order varies
    (other / "adapter_config.json").write_text(json.dumps(dict(config, r=config["r"] + 1)))
    with pytest.raises(ValueError, match=rf"{other} differs from .* in r:"):
        soup.average_adapters([two_runs[0], other], tmp_path / "bad")
    (other / "adapter_model.safetensors").unlink()
    with pytest.raises(ValueError, match="not a LoRA adapter"):
        soup.average_adapters([two_runs[0], other], tmp_path / "bad")
