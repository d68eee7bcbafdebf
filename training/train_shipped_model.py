"""Reproduce the shipped default model and install it into the package.

Trains ``configs/default.yaml`` (or ``--config``), then copies the small files that
define the model (LoRA adapter, head, config, tokenizer, model card, metrics) into
``conflictnlp/resources/model``; the 90 MB base encoder stays in its pip package.

Run: ``.venv/bin/python training/train_shipped_model.py``
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "conflictnlp" / "resources" / "model"
SHIPPED_FILES = (
    "adapter_config.json",
    "adapter_model.safetensors",
    "config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "README.md",
    "metrics.json",
    "training_config.json",
)
MAX_FILE_BYTES = 15 * 1024 * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", default=str(ROOT / "configs" / "default.yaml"))
    parser.add_argument("--output", default=str(ROOT / "runs" / "default"))
    parser.add_argument("--skip-training", action="store_true", help="install --output as it is")
    args = parser.parse_args()

    from conflictnlp import train

    out = Path(args.output) if args.skip_training else train(args.config, output_dir=args.output)
    missing = [name for name in SHIPPED_FILES if not (out / name).is_file()]
    if missing:
        raise SystemExit(f"{out} lacks {missing}; the shipped model must be a LoRA run.")
    if TARGET.exists():
        shutil.rmtree(TARGET)
    TARGET.mkdir(parents=True)
    for name in SHIPPED_FILES:
        if (out / name).stat().st_size > MAX_FILE_BYTES:
            raise SystemExit(f"{out / name} is over 15 MB; it must not go into git.")
        shutil.copy2(out / name, TARGET / name)
    print(f"installed {out} into {TARGET}")


if __name__ == "__main__":
    main()
