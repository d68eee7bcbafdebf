"""``classify_dataset``: label a ``ray.data.Dataset`` on every worker of a Ray cluster."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from .labeler import ID_COLUMN, BatchLabeler
from .model_shipping import pack_model
from .ray_import import import_ray

if TYPE_CHECKING:
    import ray.data

#: Sentences per actor call. Large enough that sorting by length inside a call saves
#: padding and Ray's per-call overhead vanishes; small enough to keep a retry cheap.
ROWS_PER_CALL = 1024
#: Articles per actor call in document mode (an article is some 20 sentences).
ARTICLES_PER_CALL = 64
#: Calls per block. A block goes to one actor, and a reader puts a whole small file (or
#: several) into one block, so blocks are cut to this many calls to feed every replica.
CALLS_PER_BLOCK = 4


def classify_dataset(
    ds: ray.data.Dataset,
    *,
    text_column: str = "text",
    document: bool = False,
    model: str | os.PathLike = "default",
    batch_size: int = 32,
    concurrency: int | tuple[int, int] | None = None,
    num_gpus: float = 0,
    num_cpus: float = 1,
) -> ray.data.Dataset:
    """Label every row of ``ds``; the result is lazy, like any Ray Data transform.

    Each model replica is a Ray actor that loads the model once. CPU actors run the int8
    ONNX model, which this call builds once on the driver and puts in the object store;
    GPU actors (``num_gpus > 0``) run PyTorch.

    Args:
        ds: Any dataset with a text column.
        text_column: The column holding the sentence (or the article with ``document``).
        document: Treat each row as an article: the output has one row per sentence with
            ``row_id`` (the article's ``id`` column), ``sentence_index``, ``start``,
            ``end``, ``text`` and the label columns, exactly as ``classify --document``.
        model: A model folder, hub id, or ``"default"``; resolved on the driver.
        batch_size: Sentences per forward pass (raise it on GPUs, e.g. 256).
        concurrency: Model replicas: a number, or ``(min, max)`` for an autoscaling pool.
            Default: the cluster's CPUs but one (which Ray Data's read and write tasks
            need) divided by ``num_cpus``, or its GPUs divided by ``num_gpus``.
        num_gpus: GPUs per replica; 0 runs ONNX Runtime on CPUs. A fraction (0.25) puts
            several replicas on one GPU.
        num_cpus: CPUs per replica, also its ONNX Runtime thread count.

    Returns:
        Sentence mode: every input column and row, plus ``label`` (str), ``score``
        (float), ``scores`` (a struct with one float field per label, in ``LABELS``
        order) and ``error`` (str, null when the row was labeled; a row with missing,
        empty or non-string text gets an error and null label columns, never dropped).
        Input columns of those names (and ``line``) are kept as ``input_label`` and so
        on, as in the one-process CLI.

    Raises:
        ImportError: Ray Data is not installed (the message says how to install it).
        ValueError: A bad argument, or ``document=True`` on a dataset without ``id``.

    Example:
        >>> ds = ray.data.from_items([{"id": 1, "text": "Talks resumed in Doha."}])
        >>> classify_dataset(ds).take(1)[0]["label"]
        'diplomatic_move'
    """
    ray = import_ray()
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}.")
    if num_gpus < 0 or num_cpus <= 0:
        raise ValueError(f"num_gpus must be >= 0 and num_cpus > 0, got {num_gpus}, {num_cpus}.")
    if document:
        names = ds.schema().names
        if ID_COLUMN not in names:
            raise ValueError(
                f"document=True needs an {ID_COLUMN!r} column naming each article (the "
                f"output's row_id); the dataset has {names}. Add one, for example with "
                "ds.add_column('id', ...) or by writing it into the input files."
            )
    gpu = num_gpus > 0
    bundle = ray.put(pack_model(model, gpu=gpu))
    size = _pool_size(ray, concurrency, num_gpus if gpu else num_cpus, "GPU" if gpu else "CPU")
    rows_per_call = ARTICLES_PER_CALL if document else max(ROWS_PER_CALL, 4 * batch_size)
    ds = ds.repartition(target_num_rows_per_block=CALLS_PER_BLOCK * rows_per_call)
    return ds.map_batches(
        BatchLabeler,
        fn_constructor_kwargs={
            "bundle": [bundle],
            "text_column": text_column,
            "document": document,
            "batch_size": batch_size,
            "threads": max(1, int(num_cpus)),
        },
        batch_size=rows_per_call,
        batch_format="pyarrow",
        compute=ray.data.ActorPoolStrategy(min_size=size[0], max_size=size[1]),
        num_cpus=num_cpus,
        udf_modifying_row_count=document,
        num_gpus=num_gpus if gpu else None,
    )


def _pool_size(
    ray: Any, concurrency: int | tuple[int, int] | None, per_actor: float, resource: str
) -> tuple[int, int]:
    """``(min, max)`` replicas: as given, or as many as the cluster's resources allow."""
    if concurrency is None:
        total = ray.cluster_resources().get(resource, 0)
        # One CPU stays free for Ray Data's own tasks (listing, reading and writing files):
        # they need a whole CPU, and with every CPU held by a replica they would wait forever.
        spare = 1 if resource == "CPU" and total >= per_actor + 1 else 0
        n = int((total - spare) // per_actor)
        if n < 1:
            raise ValueError(
                f"The Ray cluster has {total:g} {resource}s, too few for one replica needing "
                f"{per_actor:g}; pass concurrency=... or join a larger cluster."
            )
        return n, n
    low, high = (concurrency, concurrency) if isinstance(concurrency, int) else concurrency
    if not 1 <= low <= high:
        raise ValueError(f"concurrency must be >= 1 (or min <= max), got {concurrency}.")
    return low, high
