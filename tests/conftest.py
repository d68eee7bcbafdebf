"""Shared fixtures: a tiny randomly initialised BERT and small labeled data.

The tiny model (2 layers of width 32) uses the real all-MiniLM-L6-v2 tokenizer, so every
code path (tokenisation, ONNX export, LoRA, training) runs for real in seconds.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"


ROOT = Path(__file__).resolve().parent.parent


def load_script(folder: str, name: str) -> Any:
    """A script of scripts/ or benchmarks/ as a module: they are files, not a package."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, ROOT / folder / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep ONNX exports of test models out of the user's cache.

    Fetched base encoders (``make bases``) stay visible: the isolated cache links to them.
    """
    from conflictnlp.inference.base_fetch import bases_dir

    fetched = bases_dir()
    isolated = tmp_path_factory.mktemp("cache")
    os.environ["CONFLICTNLP_CACHE"] = str(isolated)
    if fetched.is_dir():
        (isolated / "bases").symlink_to(fetched, target_is_directory=True)


SENTENCES = {
    "attack": [
        "Rebels shelled the airport on Tuesday.",
        "Drones struck a fuel depot overnight, officials said.",
        "Militants ambushed an army convoy near the border.",
        "Fighter jets bombed positions east of the city.",
    ],
    "casualty_report": [
        "At least 12 people were killed in the blast.",
        "The death toll rose to 40, the ministry said.",
        "Three soldiers were wounded in the clash.",
        "Dozens of civilians remain missing after the raid.",
    ],
    "diplomatic_move": [
        "Foreign ministers met in Geneva for ceasefire talks.",
        "The Security Council adopted a resolution on Friday.",
        "The president spoke by phone with his counterpart.",
        "The EU imposed new sanctions on the militia's leaders.",
    ],
    "allegation": [
        "The army accused the rebels of using civilians as shields.",
        "The group denied carrying out the bombing.",
        "Kyiv blamed Moscow for the strike on the power plant.",
        "Officials said the militia had broken the truce.",
    ],
    "other": [
        "Aid agencies warned of food shortages in the camps.",
        "Elections are due to be held next year.",
        "The region has been unstable for a decade.",
        "Schools reopened in the capital on Monday.",
    ],
}


def labeled_rows() -> list[dict]:
    rows = []
    for label, texts in SENTENCES.items():
        for i, text in enumerate(texts):
            rows.append(
                {
                    "id": f"{label}-{i}",
                    "text": text,
                    "label": label,
                    "article_id": "",
                    "position": None,
                    "setting": f"s{i % 2}",
                }
            )
    return rows


def quick_lora_config(base: Path, data_dir: Path, **overrides: dict) -> Any:
    """One epoch of LoRA on a tiny encoder: the recipe the architecture tests share.

    ``overrides`` update the config's sections (``model={...}``, ``training={...}``).
    """
    from conflictnlp.training.config import parse_config

    raw: dict[str, dict] = {
        "model": {"base_model": str(base), "max_length": 32},
        "data": {"path": str(data_dir)},
        "training": {
            "epochs": 1,
            "batch_size": 8,
            "learning_rate": 0.01,
            "group_by_length": True,
            "write_report": False,
        },
    }
    for section, values in overrides.items():
        raw[section].update(values)
    return parse_config(raw)


@pytest.fixture(scope="session")
def tiny_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with train/validation/test .jsonl files of 20 sentences each."""
    folder = tmp_path_factory.mktemp("data")
    rows = labeled_rows()
    article = [dict(r, article_id="a1", position=i) for i, r in enumerate(rows[:5])]
    for split in ("train", "validation", "test"):
        with (folder / f"{split}.jsonl").open("w") as f:
            for row in rows + (article if split == "test" else []):
                row = dict(row, id=f"{split}-{row['id']}-{row['position']}")
                f.write(json.dumps(row) + "\n")
    return folder


def save_tiny_encoder(folder: Path, architecture: str, layers: int, **config: object) -> Path:
    """Save a bare, randomly initialised encoder (width 32) with the real MiniLM tokenizer.

    ``architecture`` is a transformers model type ("bert", "mpnet"): the same tiny shape
    for each, so tests can run every code path on encoders other than BERT too.
    """
    import torch
    from transformers import AutoConfig, AutoModel, AutoTokenizer

    from conflictnlp.inference.base_model import default_encoder_dir

    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(default_encoder_dir())
    settings = AutoConfig.for_model(
        architecture,
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=layers,
        num_attention_heads=2,
        intermediate_size=64,
        **config,
    )
    AutoModel.from_config(settings).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_base_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bare, randomly initialised 2-layer BERT encoder with the real tokenizer."""
    folder = tmp_path_factory.mktemp("tiny-base")
    return save_tiny_encoder(folder, "bert", 2, max_position_embeddings=128)


@pytest.fixture(scope="session")
def tiny_mpnet_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bare 3-block MPNet encoder (random) with the MiniLM tokenizer's vocabulary."""
    folder = tmp_path_factory.mktemp("tiny-mpnet")
    return save_tiny_encoder(folder, "mpnet", 3, max_position_embeddings=130, pad_token_id=0)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory, tiny_base_dir: Path) -> Path:
    """A saved conflictnlp model folder (full weights) with a random tiny classifier."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from conflictnlp.inference.model_files import CONFIG_KEY
    from conflictnlp.labels import ID2LABEL, LABEL2ID

    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("tiny-model")
    model = AutoModelForSequenceClassification.from_pretrained(
        tiny_base_dir, num_labels=5, id2label=dict(ID2LABEL), label2id=dict(LABEL2ID)
    )
    model.save_pretrained(folder)
    AutoTokenizer.from_pretrained(tiny_base_dir).save_pretrained(folder)
    config = json.loads((folder / "config.json").read_text())
    config[CONFIG_KEY] = {"temperature": 1.5, "max_length": 64, "name": "tiny"}
    (folder / "config.json").write_text(json.dumps(config))
    return folder
