"""The CPU inference path: ONNX Runtime over an int8-quantised export, cached per model.

The first use of a model exports it from PyTorch (LoRA merged), quantises it and caches
the result in the user's cache folder under a key made of the model's fingerprint and the
quantisation recipe, so nothing large goes into git and later processes start without
importing torch or transformers at all.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import warnings
from pathlib import Path

import numpy as np

from .encoding import EncodedBatch
from .model_files import fingerprint

INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
#: Quantisation recipes. "int8" quantises the weights of every MatMul except the ones
#: listed in ``_KEEP_FP32``, per output channel; "fp32" keeps the plain export.
RECIPES = ("int8", "fp32")
# The classifier head and pooler stay in fp32: they are tiny, and the logits depend on
# them directly. docs/results/quantization.md compares this with other recipes.
_KEEP_FP32_PATTERNS = ("classifier", "pooler")
_RECIPE_VERSION = "3"


def cache_root() -> Path:
    """``$CONFLICTNLP_CACHE``, else ``$XDG_CACHE_HOME/conflictnlp``, else ``~/.cache/conflictnlp``."""
    if os.environ.get("CONFLICTNLP_CACHE"):
        return Path(os.environ["CONFLICTNLP_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "conflictnlp"


def cached_onnx_path(model_dir: Path, recipe: str) -> Path:
    """Where the optimised model of ``model_dir`` lives (it may not exist yet)."""
    if recipe not in RECIPES:
        raise ValueError(f"Unknown ONNX recipe {recipe!r}; choose one of {RECIPES}.")
    key = f"{fingerprint(model_dir)}-{recipe}-v{_RECIPE_VERSION}"
    return cache_root() / "onnx" / key / "model.onnx"


def ensure_onnx_model(model_dir: Path, recipe: str = "int8") -> Path:
    """Return the cached optimised model of ``model_dir``, building it on first use."""
    target = cached_onnx_path(model_dir, recipe)
    if target.is_file():
        return target
    target.parent.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent.parent) as tmp:
        fp32 = Path(tmp) / "model_fp32.onnx"
        export_onnx(model_dir, fp32)
        built = fp32
        if recipe == "int8":
            built = Path(tmp) / "model_int8.onnx"
            quantize_int8(fp32, built)
        staged = Path(tmp) / "staged"
        staged.mkdir()
        shutil.move(str(built), staged / "model.onnx")
        try:
            os.replace(staged, target.parent)  # atomic: a half-built cache is never seen
        except OSError:
            if not target.is_file():  # another process won the race only if it exists
                raise
    return target


def export_onnx(model_dir: Path, out_file: Path) -> None:
    """Export the (merged) PyTorch classifier to ONNX with dynamic batch and length."""
    import torch

    from .quiet import quiet
    from .torch_backend import load_torch_model

    # Eager attention traces to plain MatMul/Softmax, which the int8 quantiser understands.
    model = load_torch_model(model_dir, attn_implementation="eager").cpu()
    dummy = {name: torch.ones((2, 8), dtype=torch.long) for name in INPUT_NAMES}
    dummy["token_type_ids"].zero_()
    axes = {name: {0: "batch", 1: "sequence"} for name in INPUT_NAMES}
    with quiet(), torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        warnings.simplefilter("ignore", DeprecationWarning)  # the TorchScript exporter's notice
        torch.onnx.export(
            model,
            (),
            str(out_file),
            kwargs=dummy,
            input_names=list(INPUT_NAMES),
            output_names=["logits"],
            dynamic_axes={**axes, "logits": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )


def quantize_int8(
    fp32_file: Path,
    out_file: Path,
    per_channel: bool = True,
    keep_fp32: tuple[str, ...] = _KEEP_FP32_PATTERNS,
) -> None:
    """Dynamic int8 quantisation of the MatMul weights.

    Args:
        per_channel: One scale per output channel instead of one per weight matrix.
        keep_fp32: Node-name fragments (lower case) whose MatMuls stay in fp32.
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(fp32_file), load_external_data=False).graph
    keep = [n.name for n in graph.node if any(p in n.name.lower() for p in keep_fp32)]
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # the quantiser logs a pre-processing hint on the root logger
    try:
        quantize_dynamic(
            str(fp32_file),
            str(out_file),
            weight_type=QuantType.QInt8,
            per_channel=per_channel,
            op_types_to_quantize=["MatMul", "Attention"],  # Attention: fused graphs
            nodes_to_exclude=keep,
            # fused contrib ops (Attention, SkipLayerNorm) defeat shape inference
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
    finally:
        root.setLevel(level)


class OnnxBackend:
    """Runs an exported classifier with ONNX Runtime on the CPU."""

    name = "onnx"
    device = "cpu"

    def __init__(self, onnx_file: Path, threads: int | None = None) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if threads:
            options.intra_op_num_threads = threads
        self.session = ort.InferenceSession(
            str(onnx_file), options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {i.name for i in self.session.get_inputs()}

    def logits(self, batch: EncodedBatch) -> np.ndarray:
        feed = {k: v for k, v in batch.as_dict().items() if k in self._inputs}
        return np.asarray(self.session.run(["logits"], feed)[0], dtype=np.float32)
