"""Config files: unknown keys and wrong types are errors that name the key and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from conflictnlp.config import ConfigError, load_config, parse_config

CONFIGS = Path(__file__).resolve().parent.parent / "configs"


@pytest.mark.parametrize(
    "name",
    [
        "default.yaml",
        "smoke.yaml",
        "full.yaml",
        "accurate.yaml",
        "distill.yaml",
        "distill_pool.yaml",
        "minilm_real.yaml",
    ],
)
def test_shipped_configs_parse(name):
    config = load_config(CONFIGS / name)
    assert config.model.method in ("lora", "full")


def test_distill_config_learns_from_the_shipped_teacher_on_training_years_only():
    from conflictnlp.data.current_events import SPLIT_YEARS
    from conflictnlp.model_files import SHIPPED_MODELS

    distill = load_config(CONFIGS / "distill.yaml")
    assert distill.training.teacher in SHIPPED_MODELS and distill.data.pool == "current-events"
    assert distill.data.pool_last_year <= SPLIT_YEARS["train"][1]
    accurate = load_config(CONFIGS / "accurate.yaml")
    assert accurate.model.base_model == "all-mpnet-base-v2" and accurate.data.real_news


def test_defaults_for_empty_config(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("")
    assert load_config(path).model.method == "lora"


def test_unknown_key_names_key_and_line(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("model:\n  method: lora\ntraining:\n  epochs: 2\n  learning_rat: 0.1\n")
    with pytest.raises(ConfigError, match=r"c\.yaml, line 5: unknown key 'training\.learning_rat'"):
        load_config(path)


def test_wrong_type_names_key_and_expected_type(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("training:\n  batch_size: sixteen\n")
    with pytest.raises(
        ConfigError, match=r"line 2: 'training\.batch_size' must be int, got 'sixteen'"
    ):
        load_config(path)


def test_int_accepted_for_float_but_not_bool_for_int():
    assert parse_config({"training": {"learning_rate": 1}}).training.learning_rate == 1
    with pytest.raises(ConfigError, match="batch_size"):
        parse_config({"training": {"batch_size": True}})


def test_unknown_section_and_bad_method():
    with pytest.raises(ConfigError, match="unknown section 'optim'"):
        parse_config({"optim": {}})
    with pytest.raises(ConfigError, match=r"'model\.method' must be 'lora' or 'full'"):
        parse_config({"model": {"method": "adapters"}})


def test_list_and_optional_types():
    cfg = parse_config({"model": {"lora_target_modules": ["query"]}, "data": {"path": None}})
    assert cfg.model.lora_target_modules == ["query"]
    with pytest.raises(ConfigError, match="lora_target_modules"):
        parse_config({"model": {"lora_target_modules": "query"}})


def test_missing_and_invalid_yaml(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such config file"):
        load_config(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("model: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)
