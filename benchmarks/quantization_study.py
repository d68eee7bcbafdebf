"""Which int8 recipe keeps full-precision labels while going fast (ONNX Runtime, CPU).

Exports the model once, builds each candidate quantisation, and reports throughput at
batch size 32, the share of test-split labels that differ from the fp32 export, and how
many labels change when each sentence is classified alone instead of in batches of 32.

Run: ``.venv/bin/python benchmarks/quantization_study.py`` (writes docs/results/quantization.md).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def fuse_transformer_graph(in_file: Path, out_file: Path, model_dir: Path) -> None:
    """Fuse attention, layer norms and GELU into ONNX Runtime's transformer kernels.

    Falls back to the plain export for architectures the fusion tool does not know.
    """
    import json

    from onnxruntime.transformers.optimizer import optimize_model

    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    if config.get("model_type") not in {"bert", "roberta", "distilbert", "xlm-roberta"}:
        shutil.copy(in_file, out_file)
        return
    model_type = (
        "bert" if config["model_type"] in {"roberta", "xlm-roberta"} else config["model_type"]
    )
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        optimized = optimize_model(
            str(in_file),
            model_type=model_type,
            num_heads=int(config.get("num_attention_heads", 0)),
            hidden_size=int(config.get("hidden_size", 0)),
            opt_level=0,
        )
    finally:
        root.setLevel(level)
    optimized.save_model_to_file(str(out_file))


def main() -> None:
    import onnx
    from _machine import describe_machine
    from sklearn.metrics import f1_score

    from conflictnlp import Classifier, load_dataset
    from conflictnlp.inference.classifier import _resolve_folder
    from conflictnlp.inference.onnx_backend import (
        OnnxBackend,
        calibration_batches,
        export_onnx,
        fix_activation_scales,
        quantize_int8,
    )

    folder = _resolve_folder("default")
    test = load_dataset(split="test")
    texts, gold = list(test["text"]), np.asarray(test["label"])
    clf = Classifier.from_pretrained(folder, backend="onnx", onnx_recipe="fp32")
    work = Path(tempfile.mkdtemp())
    plain = work / "plain.onnx"
    export_onnx(folder, plain)
    fused = work / "fused.onnx"
    fuse_transformer_graph(plain, fused, folder)
    names = [n.name for n in onnx.load(str(plain)).graph.node if n.op_type == "MatMul"]
    last = max(
        int(p.split("layer.")[1].split("/")[0].split(".")[0]) for p in names if "layer." in p
    )
    head = ("classifier", "pooler")
    candidates = {
        "fp32, plain export": (plain, None),
        "fp32, fused attention/LayerNorm/GELU": (fused, None),
        "int8 per-tensor, plain export": (plain, {"per_channel": False, "keep_fp32": ()}),
        "int8 per-channel, plain export": (plain, {"per_channel": True, "keep_fp32": ()}),
        "int8 per-channel, plain, head fp32 (shipped before 0.1.1)": (
            plain,
            {"per_channel": True, "keep_fp32": head},
        ),
        "int8 per-channel, head fp32, calibrated input scales (shipped)": (
            plain,
            {"per_channel": True, "keep_fp32": head, "calibrated": True},
        ),
        f"int8 per-channel, plain, head + layer {last} FFN fp32": (
            plain,
            {
                "per_channel": True,
                "keep_fp32": (*head, f"layer.{last}/intermediate", f"layer.{last}/output"),
            },
        ),
        "int8 per-tensor, fused": (fused, {"per_channel": False, "keep_fp32": ()}),
        "int8 per-channel, fused, head fp32": (
            fused,
            {"per_channel": True, "keep_fp32": head},
        ),
    }
    reference = None
    lines = [
        "# Quantisation study (benchmarks/quantization_study.py)",
        "",
        f"Machine: {describe_machine()}. Test split: {len(texts)} sentences, batch size 32, "
        "best of 3 runs.",
        "",
        "| recipe | sent/s | labels differing from fp32 | max prob. difference | macro-F1 | "
        "labels changed alone vs batch | max prob. change alone vs batch |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, (source, recipe) in candidates.items():
        path = source
        if recipe is not None:
            path = work / f"{abs(hash(name))}.onnx"
            recipe = dict(recipe)
            calibrated = recipe.pop("calibrated", False)
            quantize_int8(source, path, **recipe)
            if calibrated:
                fix_activation_scales(path, path, calibration_batches(folder))
        clf.backend = OnnxBackend(path)
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            probs = clf.predict_proba(texts, batch_size=32)
            best = min(best, time.perf_counter() - start)
        if reference is None:
            reference = probs
        alone = np.concatenate([clf.predict_proba([t]) for t in texts])
        pred = probs.argmax(1)
        differ = float((pred != reference.argmax(1)).mean())
        lines.append(
            f"| {name} | {len(texts) / best:.0f} | {differ * 100:.2f}% | "
            f"{np.abs(probs - reference).max():.3f} | "
            f"{f1_score(gold, pred, average='macro'):.4f} | {int((alone.argmax(1) != pred).sum())} | "
            f"{np.abs(alone - probs).max():.3f} |"
        )
        print(lines[-1], flush=True)
    text = "\n".join(lines) + "\n"
    out = Path(__file__).resolve().parent.parent / "docs" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "quantization.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
