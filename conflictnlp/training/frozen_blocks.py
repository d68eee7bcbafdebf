"""Train the top blocks of an encoder on the cached outputs of its frozen lower blocks.

With LoRA on only the top N blocks (``model.lora_layers``), the blocks below never change,
yet a plain training loop runs them again for every sentence in every epoch. On 2 CPU
cores that is most of the cost: for MPNet with the top 2 of 12 blocks adapted, the 10
frozen blocks take about half of each training step (benchmarks/training_step_speed.py).
``training.cache_frozen_blocks`` runs them once, keeps each sentence's hidden states at the
input of the first trained block, and replays them in every epoch and evaluation.

Architecture-agnostic by construction: the only thing it needs to know of a model is its
list of encoder blocks (the same ``layer.<i>`` / ``layers.<i>`` naming the LoRA targets use).
Hidden states are captured and replaced at the first trained block's input by hooks, so
each model keeps computing its own attention masks and position biases (MPNet's relative
positions, rotary embeddings) from the inputs as usual.

What differs from the plain loop: the frozen blocks run in evaluation mode, so their
dropout is off during training (the trained blocks keep theirs). In evaluation the
logits are the same as without the cache (tests/test_frozen_blocks.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

import torch
from torch import nn

FROZEN_ROW = "frozen_row"  # dataset column: the row's index in the cache
FROZEN_HIDDEN = "frozen_hidden"  # batch key: the cached hidden states, padded

_BLOCK_LIST = re.compile(r"(?:^|\.)layers?$")


class _Captured(Exception):
    """Stops a forward pass once the first trained block's input is captured."""


def _block_list(model: nn.Module) -> tuple[nn.Module, str, nn.ModuleList]:
    """The encoder's block list, its parent and its attribute name (the longest list
    named ``layer``/``layers``, which is where the LoRA targets live too)."""
    lists = [
        (name, module)
        for name, module in model.named_modules()
        if isinstance(module, nn.ModuleList) and _BLOCK_LIST.search(name)
    ]
    if not lists:
        raise ValueError(
            f"{type(model).__name__} has no list of encoder blocks named 'layer' or 'layers'; "
            "set training.cache_frozen_blocks: false."
        )
    name, blocks = max(lists, key=lambda item: len(item[1]))
    parent_name, _, attribute = name.rpartition(".")
    parent = model.get_submodule(parent_name) if parent_name else model
    return parent, attribute, blocks


def _sub_list(blocks: nn.ModuleList, keep: Sequence[int]) -> nn.ModuleList:
    """A view of some blocks that keeps their names (``layer.10...``), so adapters save and
    load under the same keys as from the full model."""
    view = nn.ModuleList()
    for i in keep:
        view.add_module(str(i), blocks[i])
    return view


@contextmanager
def _only_blocks(model: nn.Module, keep: Sequence[int]) -> Iterator[nn.ModuleList]:
    """Run the model with only the ``keep`` blocks in its encoder; yield the full list;
    restored on exit."""
    parent, attribute, blocks = _block_list(model)
    setattr(parent, attribute, _sub_list(blocks, keep))
    try:
        yield blocks
    finally:
        setattr(parent, attribute, blocks)


def _hidden_argument(args: tuple, kwargs: dict) -> torch.Tensor:
    return args[0] if args else kwargs["hidden_states"]


class FrozenBlockCache:
    """Hidden states at the input of the first trained block, one tensor per sentence.

    Args:
        model: The model to train (a PeftModel or a plain transformers model).
        trained_blocks: How many top blocks train (``model.lora_layers``).
    """

    def __init__(self, model: nn.Module, trained_blocks: int) -> None:
        n_blocks = len(_block_list(model)[2])
        if not 1 <= trained_blocks < n_blocks:
            raise ValueError(
                f"cache_frozen_blocks needs frozen blocks below the trained ones: "
                f"{trained_blocks} trained of {n_blocks}."
            )
        self.model = model
        self.first_trained = n_blocks - trained_blocks
        self.n_blocks = n_blocks
        self.rows: list[torch.Tensor] = []

    def add(self, batches: Iterable[dict[str, torch.Tensor]]) -> range:
        """Run the frozen blocks over padded batches (model inputs); return the new rows.

        Each sentence keeps only its real tokens' states (fp32), so it can be padded again
        to any batch it lands in later.
        """
        captured: list[torch.Tensor] = []

        def capture(_module: nn.Module, args: tuple, kwargs: dict) -> None:
            captured.append(_hidden_argument(args, kwargs))
            raise _Captured

        start = len(self.rows)
        was_training = self.model.training
        self.model.eval()
        with _only_blocks(self.model, range(self.first_trained + 1)) as blocks:
            first = blocks[self.first_trained]
            handle = first.register_forward_pre_hook(capture, with_kwargs=True)
            try:
                with torch.no_grad():  # not inference_mode: the states feed training later
                    for batch in batches:
                        with suppress(_Captured):
                            self.model(**batch)
                        hidden = captured.pop().float().cpu()
                        mask = batch["attention_mask"].bool().cpu()
                        self.rows.extend(h[m].clone() for h, m in zip(hidden, mask, strict=True))
            finally:
                handle.remove()
        self.model.train(was_training)
        return range(start, len(self.rows))

    def add_dataset(
        self, dataset: Any, collator: Any, batch_size: int, input_names: Sequence[str]
    ) -> Any:
        """Cache the rows of a tokenised dataset (longest first, to pad little); return it
        with a ``frozen_row`` column that points each row at its cached states."""
        lengths = [len(ids) for ids in dataset["input_ids"]]
        order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
        inputs = dataset.select_columns(list(input_names))
        row_of = [0] * len(order)
        from tqdm.auto import tqdm

        starts = range(0, len(order), batch_size)
        for start in tqdm(starts, desc="caching the frozen blocks", unit="batch"):
            chunk = order[start : start + batch_size]
            rows = self.add([collator([inputs[i] for i in chunk])])
            for index, row in zip(chunk, rows, strict=True):
                row_of[index] = row
        return dataset.add_column(FROZEN_ROW, row_of)

    def padded(self, rows: Sequence[int], attention_mask: torch.Tensor) -> torch.Tensor:
        """The cached states of ``rows`` laid out on ``attention_mask`` (either padding side)."""
        mask = attention_mask.bool()
        first = self.rows[rows[0]]
        out = first.new_zeros((*mask.shape, first.shape[-1]))
        for i, row in enumerate(rows):
            out[i, mask[i]] = self.rows[row]
        return out

    @contextmanager
    def replay(self) -> Iterator[None]:
        """Within this block the model skips its frozen blocks and reads the cache instead:
        every call must carry ``frozen_hidden`` (see :class:`ReplayCollator`)."""
        pending: list[torch.Tensor] = []

        def take(_module: nn.Module, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
            if FROZEN_HIDDEN not in kwargs:
                raise ValueError(
                    "Training with cache_frozen_blocks: a batch came without its cached "
                    f"'{FROZEN_HIDDEN}'; build batches with ReplayCollator."
                )
            pending.append(kwargs.pop(FROZEN_HIDDEN))
            return args, kwargs

        def substitute(_module: nn.Module, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
            hidden = _hidden_argument(args, kwargs)
            cached = pending.pop().to(device=hidden.device, dtype=hidden.dtype)
            if args:
                return (cached, *args[1:]), kwargs
            return args, {**kwargs, "hidden_states": cached}

        with _only_blocks(self.model, range(self.first_trained, self.n_blocks)) as blocks:
            first = blocks[self.first_trained]
            handles = [
                self.model.register_forward_pre_hook(take, with_kwargs=True),
                first.register_forward_pre_hook(substitute, with_kwargs=True),
            ]
            try:
                yield
            finally:
                for handle in handles:
                    handle.remove()


class ReplayCollator:
    """Pads a batch with the given collator and adds the rows' cached hidden states."""

    def __init__(self, collator: Any, cache: FrozenBlockCache) -> None:
        self.collator = collator
        self.cache = cache

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, Any]:
        rows = [int(f[FROZEN_ROW]) for f in features]
        batch = self.collator([{k: v for k, v in f.items() if k != FROZEN_ROW} for f in features])
        batch[FROZEN_HIDDEN] = self.cache.padded(rows, batch["attention_mask"])
        return batch
