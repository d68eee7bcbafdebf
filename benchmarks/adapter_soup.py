"""Average LoRA adapters of one base into one adapter (a "model soup"), exactly.

Two students trained from the same base on different data or seeds each miss some
sentences the other gets; averaging their weights is the ensemble that costs nothing at
inference. For LoRA the merged weight is ``W + s * B @ A`` (s = alpha / r), and the
average of N such deltas is itself a LoRA of rank N * r: stack the A matrices, place the B
matrices side by side divided by N, and keep s by multiplying alpha by N. So the soup is
saved as an ordinary adapter (N times the size of one: two MiniLM adapters make 6 MB)
that loads and exports like any other, and its merged weights are the mean of the
inputs' merged weights to float precision. Weights saved whole (the classification
head and the other ``modules_to_save``) are averaged.

The soup is a candidate like any other: choose it with ``model_comparison.py --split
validation``. It keeps the first adapter's temperature; refit it before quoting an ECE.

Usage:
    python benchmarks/adapter_soup.py --adapter default --adapter runs/distilled_seed43 \\
        --out runs/soup
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file, save_file

from conflictnlp.inference.classifier import _resolve_folder
from conflictnlp.inference.model_files import ADAPTER_WEIGHTS, CONFIG_KEY, is_adapter

ADAPTER_CONFIG = "adapter_config.json"
#: adapter_config.json keys that must agree for the average to be a LoRA of the same base.
MUST_AGREE = ("r", "lora_alpha", "target_modules", "base_model_name_or_path", "use_rslora")


def _setting(config: dict, key: str) -> object:
    """A setting as compared: PEFT saves ``target_modules`` from a set, in any order."""
    value = config.get(key)
    return sorted(value) if isinstance(value, list) else value


def average_adapters(adapters: list[str | Path], output: Path) -> Path:
    """Write the exact average of ``adapters`` (shipped names or folders) to ``output``.

    Raises ValueError, naming the folder, when an input is not a LoRA adapter or differs
    from the first in rank, alpha, targets, base or tensor names: such adapters do not
    average into one LoRA, and a silent mismatch would be a different model.
    """
    folders = [_resolve_folder(a) for a in adapters]
    if len(folders) < 2:
        raise ValueError(f"a soup needs at least two adapters, got {len(folders)}")
    for folder in folders:
        if not is_adapter(folder) or not (folder / ADAPTER_WEIGHTS).is_file():
            raise ValueError(
                f"{folder} is not a LoRA adapter folder (it needs {ADAPTER_CONFIG} and "
                f"{ADAPTER_WEIGHTS}); only adapters of one base can be averaged this way."
            )
    configs = [json.loads((f / ADAPTER_CONFIG).read_text()) for f in folders]
    weights = [load_file(str(f / ADAPTER_WEIGHTS)) for f in folders]
    first = folders[0]
    for folder, config, tensors in zip(folders[1:], configs[1:], weights[1:], strict=True):
        differ = [k for k in MUST_AGREE if _setting(config, k) != _setting(configs[0], k)]
        if set(tensors) != set(weights[0]):
            differ.append("tensor names")
        if differ:
            raise ValueError(
                f"{folder} differs from {first} in {', '.join(differ)}: average adapters "
                "trained with one recipe from one base."
            )
    n = len(folders)
    averaged = {}
    for key in weights[0]:
        parts = [w[key] for w in weights]
        if ".lora_A." in key:
            averaged[key] = np.concatenate(parts, axis=0)
        elif ".lora_B." in key:
            averaged[key] = np.concatenate(parts, axis=1) / n
        else:
            averaged[key] = np.mean(parts, axis=0, dtype=parts[0].dtype)
    output.mkdir(parents=True, exist_ok=True)
    for item in first.iterdir():
        if item.is_file() and item.name not in (ADAPTER_WEIGHTS, ADAPTER_CONFIG):
            shutil.copy(item, output / item.name)
    save_file(averaged, str(output / ADAPTER_WEIGHTS))
    config = dict(configs[0], r=configs[0]["r"] * n, lora_alpha=configs[0]["lora_alpha"] * n)
    (output / ADAPTER_CONFIG).write_text(json.dumps(config, indent=2))
    model_config = json.loads((output / "config.json").read_text())
    model_config[CONFIG_KEY]["soup_of"] = [str(f) for f in folders]
    (output / "config.json").write_text(json.dumps(model_config, indent=2))
    return output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--adapter",
        action="append",
        required=True,
        help="a shipped name (default, accurate) or an adapter folder; two or more",
    )
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args()
    print(f"soup written to {average_adapters(args.adapter, args.out)}")


if __name__ == "__main__":
    main()
