"""The CPU inference path: ONNX Runtime over an int8-quantised export, cached per model.

The first use of a model exports it from PyTorch (LoRA merged), quantises it and caches
the result in the user's cache folder under a key made of the model's fingerprint and the
quantisation recipe, so nothing large goes into git and later processes start without
importing torch or transformers at all.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import socket
import time
import uuid
import warnings
from pathlib import Path

import numpy as np

from ..cache import cache_root
from .encoding import EncodedBatch
from .model_files import ONNX_RECIPES as RECIPES
from .model_files import fingerprint

# Quantisation recipes (``RECIPES``). "int8" quantises the weights of every MatMul except
# the ones listed in ``_KEEP_FP32``, per output channel, and their inputs with fixed scales
# calibrated on the shipped training sentences (so a sentence's scores do not depend on
# the other sentences of its batch); "int8-dynamic" computes those input scales per
# batch instead (the recipe before 0.1.1, kept for comparison); "fp32" is the plain export.

#: Sentences of the shipped training split used to calibrate the int8 input scales.
CALIBRATION_SENTENCES = 512
# The classifier head and pooler stay in fp32: they are tiny, and the logits depend on
# them directly. docs/results/quantization.md compares this with other recipes.
_KEEP_FP32_PATTERNS = ("classifier", "pooler")
_RECIPE_VERSION = "5"
#: An int8 model is used only if it gives the fp32 model's label on at least this share of
#: the calibration sentences. Some encoders do not survive int8: all-mpnet-base-v2 has
#: outlier activations that per-tensor int8 inputs cannot hold (it kept 19% of its labels,
#: nearly all turned "other"), where the MiniLM models keep 98.6% to 100%. Such a model
#: runs in fp32 instead. The gate only catches collapse: `accurate` 0.6 keeps 97-98% of its
#: labels on AVX-512 VNNI CPUs and still loses 1.3 points of real-news macro-F1, so a model
#: whose numbers need fp32 says so in its settings (``onnx_recipe``).
MIN_INT8_AGREEMENT = 0.95


def cached_onnx_path(model_dir: Path, recipe: str) -> Path:
    """Where the optimised model of ``model_dir`` lives (it may not exist yet)."""
    if recipe not in RECIPES:
        raise ValueError(f"Unknown ONNX recipe {recipe!r}; choose one of {RECIPES}.")
    key = f"{fingerprint(model_dir)}-{recipe}-v{_RECIPE_VERSION}"
    return cache_root() / "onnx" / key / "model.onnx"


#: Beside each cached model: its size and SHA-256, written when it was built.
RECORD = "record.json"
# A build folder whose process is gone (killed during export) is removed at the next
# build; one from another machine (a shared cache) only after this many seconds.
_STALE_SECONDS = 3600


def _entry_is_whole(target: Path) -> bool:
    """Whether a cache entry is complete: the model's size matches its record."""
    try:
        record = json.loads((target.parent / RECORD).read_text(encoding="utf-8"))
        return isinstance(record, dict) and target.stat().st_size == record.get("size")
    except (OSError, ValueError):
        return False


def ensure_onnx_model(model_dir: Path, recipe: str = "int8", rebuild: bool = False) -> Path:
    """Return the cached optimised model of ``model_dir``, building it on first use.

    An entry that is incomplete (a model file whose size differs from its record: a
    truncated or emptied file) or that ``rebuild`` names as unloadable is built again.
    Each build also removes the build folders of killed processes and the entries of
    older recipe versions.
    """
    target = cached_onnx_path(model_dir, recipe)
    if not rebuild and _entry_is_whole(target):
        return target
    root = target.parent.parent
    root.mkdir(parents=True, exist_ok=True)
    clean_cache(root)
    if target.parent.exists():  # damaged: move it aside first, so no reader sees it half-deleted
        trash = root / f"tmp-{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        os.replace(target.parent, trash)
        shutil.rmtree(trash, ignore_errors=True)
    build = root / f"tmp-{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    build.mkdir()
    try:
        fp32 = build / "model_fp32.onnx"
        export_onnx(model_dir, fp32)
        built = fp32
        quality: dict[str, float | str] = {}
        if recipe.startswith("int8"):
            built = build / "model_int8.onnx"
            quantize_int8(fp32, built)
            batches = calibration_batches(model_dir)
            if recipe == "int8":
                fix_activation_scales(built, built, batches)
            agreement = label_agreement(fp32, built, batches)
            quality = {"int8_label_agreement": agreement}
            if agreement < MIN_INT8_AGREEMENT:
                built = fp32
                quality["fallback"] = "fp32"
                warnings.warn(
                    f"int8 quantisation of {model_dir} keeps only {agreement:.1%} of the fp32 "
                    f"labels on the calibration sentences (at least {MIN_INT8_AGREEMENT:.0%} "
                    "needed), so its fp32 ONNX export is used instead: correct, but slower.",
                    UserWarning,
                    stacklevel=3,
                )
        staged = build / "staged"
        staged.mkdir()
        shutil.move(str(built), staged / "model.onnx")
        data = (staged / "model.onnx").read_bytes()
        record = {
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "recipe": recipe,
            **quality,
        }
        (staged / RECORD).write_text(json.dumps(record), encoding="utf-8")
        try:
            os.replace(staged, target.parent)  # atomic: a half-built cache is never seen
        except OSError:
            if not _entry_is_whole(target):  # another process won the race only if whole
                raise
    finally:
        shutil.rmtree(build, ignore_errors=True)
    return target


def clean_cache(root: Path) -> None:
    """Remove build folders of processes that died, and entries of older recipe versions."""
    host = socket.gethostname()
    for entry in root.iterdir() if root.is_dir() else []:
        if not entry.is_dir():
            continue
        if entry.name.startswith("tmp"):
            parts = entry.name.split("-")
            dead = (
                len(parts) >= 3
                and parts[1] == host
                and parts[2].isdigit()
                and not _process_alive(int(parts[2]))
            )
            try:
                old = time.time() - entry.stat().st_mtime > _STALE_SECONDS
            except OSError:
                continue
            if dead or old:
                shutil.rmtree(entry, ignore_errors=True)
        elif "-v" in entry.name and not entry.name.endswith(f"-v{_RECIPE_VERSION}"):
            shutil.rmtree(entry, ignore_errors=True)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def load_onnx_backend(
    model_dir: Path, recipe: str = "int8", threads: int | None = None
) -> OnnxBackend:
    """The ONNX Runtime backend of ``model_dir``; a cached model that fails to load is rebuilt."""
    try:
        return OnnxBackend(ensure_onnx_model(model_dir, recipe), threads=threads)
    except Exception as err:  # ONNX Runtime raises its own exception types
        if type(err).__module__.split(".")[0] != "onnxruntime":
            raise
    return OnnxBackend(ensure_onnx_model(model_dir, recipe, rebuild=True), threads=threads)


def export_onnx(model_dir: Path, out_file: Path) -> None:
    """Export the (merged) PyTorch classifier to ONNX with dynamic batch and length."""
    import torch

    from ..quiet import quiet
    from .torch_backend import load_torch_model, model_input_names

    # Eager attention traces to plain MatMul/Softmax, which the int8 quantiser understands.
    model = load_torch_model(model_dir, attn_implementation="eager").cpu()
    names = model_input_names(model)
    dummy = {name: torch.ones((2, 8), dtype=torch.long) for name in names}
    if "token_type_ids" in dummy:
        dummy["token_type_ids"].zero_()
    axes = {name: {0: "batch", 1: "sequence"} for name in names}
    with quiet(), torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        warnings.simplefilter("ignore", DeprecationWarning)  # the TorchScript exporter's notice
        torch.onnx.export(
            model,
            (),
            str(out_file),
            kwargs=dummy,
            input_names=list(names),
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


def calibration_batches(model_dir: Path, batch_size: int = 32) -> list[dict[str, np.ndarray]]:
    """Model inputs for calibration: every n-th sentence of the shipped training split.

    The same sentences serve every model (they are the library's domain, conflict news),
    tokenised with the model's own tokenizer and padded as at inference.
    """
    from ..data import load_dataset
    from .encoding import SentenceEncoder
    from .model_files import read_config, read_settings

    texts = list(load_dataset(split="train")["text"])
    step = max(1, len(texts) // CALIBRATION_SENTENCES)
    settings = read_settings(read_config(model_dir))
    encoder = SentenceEncoder(model_dir / "tokenizer.json", settings.max_length)
    encodings, _ = encoder.encode(texts[::step][:CALIBRATION_SENTENCES])
    return [batch.as_dict() for batch in encoder.batches(encodings, batch_size)]


def label_agreement(
    reference: Path, candidate: Path, batches: list[dict[str, np.ndarray]]
) -> float:
    """Share of the rows of ``batches`` on which two exported models pick the same label."""
    import onnxruntime as ort

    sessions = [
        ort.InferenceSession(str(f), providers=["CPUExecutionProvider"])
        for f in (reference, candidate)
    ]
    same = total = 0
    for batch in batches:
        labels = [
            s.run(["logits"], {i.name: batch[i.name] for i in s.get_inputs()})[0].argmax(1)
            for s in sessions
        ]
        same += int((labels[0] == labels[1]).sum())
        total += len(labels[0])
    return same / max(total, 1)


def fix_activation_scales(
    int8_file: Path, out_file: Path, batches: list[dict[str, np.ndarray]]
) -> None:
    """Replace each per-batch input quantisation with fixed, calibrated scales.

    Dynamic quantisation (``DynamicQuantizeLinear``) takes the scale of a MatMul's input
    from the min and max of the whole batch, padding included, so a sentence's scores
    move with its batch-mates (by up to 0.4 in probability on the test split). Here each
    such node becomes a ``QuantizeLinear`` with the scale and zero point that the same
    rule gives over the min and max seen on ``batches``: the graph keeps the fused int8
    MatMuls (and their speed), loses the per-batch min/max, and every row is quantised
    on its own.
    """
    import onnx
    import onnxruntime as ort
    from onnx import helper, numpy_helper

    model = onnx.load(str(int8_file))
    graph = model.graph
    dynamic = [n for n in graph.node if n.op_type == "DynamicQuantizeLinear"]
    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    for node in dynamic:
        probe.graph.output.append(
            helper.make_tensor_value_info(node.input[0], onnx.TensorProto.FLOAT, None)
        )
    session = ort.InferenceSession(probe.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [node.input[0] for node in dynamic]
    low = np.zeros(len(names), dtype=np.float64)  # the range always includes 0, as in ONNX
    high = np.zeros(len(names), dtype=np.float64)
    for batch in batches:
        feed = {i.name: batch[i.name] for i in session.get_inputs()}
        for k, value in enumerate(session.run(names, feed)):
            low[k] = min(low[k], float(value.min()))
            high[k] = max(high[k], float(value.max()))
    for k, node in enumerate(dynamic):
        scale = np.float32((high[k] - low[k]) / 255.0) or np.float32(1.0)
        zero_point = np.uint8(np.clip(np.round(-low[k] / scale), 0, 255))
        graph.initializer.extend(
            [
                numpy_helper.from_array(np.array(scale, dtype=np.float32), node.output[1]),
                numpy_helper.from_array(np.array(zero_point, dtype=np.uint8), node.output[2]),
            ]
        )
        fixed = helper.make_node(
            "QuantizeLinear",
            [node.input[0], node.output[1], node.output[2]],
            [node.output[0]],
            name=f"{node.name}_calibrated",
        )
        index = list(graph.node).index(node)
        graph.node.remove(node)
        graph.node.insert(index, fixed)
    onnx.save(model, str(out_file))


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
        self.path = onnx_file
        self.session = ort.InferenceSession(
            str(onnx_file), options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {i.name for i in self.session.get_inputs()}

    def logits(self, batch: EncodedBatch) -> np.ndarray:
        feed = {k: v for k, v in batch.as_dict().items() if k in self._inputs}
        return np.asarray(self.session.run(["logits"], feed)[0], dtype=np.float32)
