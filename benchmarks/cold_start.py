"""Fresh process to first label, and peak memory, for classify() and a plain pipeline.

Each measurement is a new Python process (median of 5) once the optimised model is
cached, as a user's second and later runs are. Peak memory is the process's max RSS.

Run: ``.venv/bin/python benchmarks/cold_start.py [--model accurate] [--out FOLDER]``
(writes ``cold_start.md`` and ``.json`` into docs/results/ unless ``--out`` says otherwise).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Peak memory is VmHWM from /proc/self/status: ru_maxrss would include the parent's
# high-water mark, which Linux carries across fork and exec.
PEAK = "max(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM')) / 1024"

CLASSIFY = """
import sys, time
t0 = time.perf_counter()
from conflictnlp import classify
p = classify("Rebels shelled the airport on Tuesday, officials said.", model=sys.argv[1])
t1 = time.perf_counter()
print(f"{t1 - t0:.4f} {PEAK:.1f} {'torch' in sys.modules}")
""".replace("PEAK", PEAK)

PIPELINE = """
import sys, time
t0 = time.perf_counter()
from transformers import pipeline
pipe = pipeline("text-classification", model=sys.argv[1], device=-1)
p = pipe("Rebels shelled the airport on Tuesday, officials said.")
t1 = time.perf_counter()
print(f"{t1 - t0:.4f} {PEAK:.1f} True")
""".replace("PEAK", PEAK)


def measure(code: str, *args: str, runs: int = 5, **env_extra: str) -> dict:
    walls, inner, rss = [], [], []
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_VERBOSITY="error", **env_extra)
    for _ in range(runs):
        start = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True, env=env
        ).stdout.split()
        walls.append(time.perf_counter() - start)
        inner.append(float(out[0]))
        rss.append(float(out[1]))
    return {
        "wall_s": statistics.median(walls),
        "in_process_s": statistics.median(inner),
        "peak_rss_mb": max(rss),
        "imports_torch": out[2] == "True",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="default", help="a shipped name or a model folder")
    parser.add_argument(
        "--out", default=str(Path(__file__).resolve().parent.parent / "docs" / "results")
    )
    args = parser.parse_args()

    from _machine import describe_machine
    from transformers import AutoTokenizer

    from conflictnlp.inference.base_fetch import bases_dir
    from conflictnlp.inference.classifier import _resolve_folder
    from conflictnlp.inference.torch_backend import load_torch_model

    folder = _resolve_folder(args.model)  # an unknown name fails here, with its message
    # warm the ONNX cache, as any earlier run would have
    subprocess.run([sys.executable, "-c", CLASSIFY, args.model], check=True, capture_output=True)
    merged = Path(tempfile.mkdtemp()) / "merged"
    load_torch_model(folder).save_pretrained(merged)
    AutoTokenizer.from_pretrained(folder).save_pretrained(merged)

    ours = measure(CLASSIFY, args.model)
    # A first use: an empty cache, but the fetched base encoders kept (accurate needs its
    # base; fetching it is a one-off download, not part of a model's first use).
    fresh = Path(tempfile.mkdtemp())
    if bases_dir().exists():
        (fresh / bases_dir().name).symlink_to(bases_dir())
    first = measure(CLASSIFY, args.model, runs=1, CONFLICTNLP_CACHE=str(fresh))
    base = measure(PIPELINE, str(merged))
    lines = [
        "# Cold start and memory (benchmarks/cold_start.py)",
        "",
        f"Machine: {describe_machine()}. Model: {args.model}.",
        "A fresh Python process imports the library, loads the model and labels one sentence; "
        "median of 5 processes, the ONNX cache already built.",
        "",
        "| path | process start to first label (s) | in-process import to label (s) | peak RSS (MB) | imports torch |",
        "|---|---|---|---|---|",
    ]
    rows = (
        ("conflictnlp classify(), ONNX cache built", ours),
        (
            "conflictnlp classify(), first use (ONNX export, and int8 quantisation if its recipe says int8; once)",
            first,
        ),
        ("HF pipeline, same weights", base),
    )
    for name, r in rows:
        lines.append(
            f"| {name} | {r['wall_s']:.2f} | {r['in_process_s']:.2f} | {r['peak_rss_mb']:.0f} | "
            f"{r['imports_torch']} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "cold_start.md").write_text(text)
    (out / "cold_start.json").write_text(
        json.dumps({"classify": ours, "first_use": first, "pipeline": base}, indent=2)
    )


if __name__ == "__main__":
    main()
