"""Knowledge distillation: a student learns from gold labels and a teacher's soft labels.

The loss is Hinton et al.'s: cross-entropy against the gold label where there is one,
plus the KL divergence between the teacher's and the student's distributions, both
softened by a temperature ``T`` and scaled by ``T**2`` so that its gradients keep their
size as ``T`` changes. Pool sentences have no gold label (``-100``) and learn from the
teacher alone; that is how the large unlabeled real-news pool reaches the small model.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from transformers import Trainer

TEACHER_COLUMN = "teacher_log_probs"
NO_LABEL = -100


def distillation_loss(
    student_logits: torch.Tensor,
    teacher_log_probs: torch.Tensor,
    labels: torch.Tensor,
    temperature: float,
    alpha: float,
    pool_weight: float = 1.0,
) -> torch.Tensor:
    """Mean over the batch of the per-sentence distillation loss.

    A gold row costs ``alpha * soft + (1 - alpha) * hard``; a row without a gold label
    (``labels == -100``) costs ``pool_weight * soft``, so a batch of pool sentences still
    trains. ``pool_weight`` below 1 lets a pool much larger than the gold data add
    variety without outweighing it (a 40,000-sentence pool at weight 1 pulled the
    student away from the written sentences: docs/results.md, "After 0.9").
    """
    t = float(temperature)
    student = F.log_softmax(student_logits.float() / t, dim=-1)
    teacher = F.log_softmax(teacher_log_probs.float() / t, dim=-1)
    soft = (teacher.exp() * (teacher - student)).sum(dim=-1) * (t * t)
    gold = labels != NO_LABEL
    hard = torch.zeros_like(soft)
    if gold.any():
        hard[gold] = F.cross_entropy(student_logits[gold].float(), labels[gold], reduction="none")
    weight_soft = torch.where(
        gold, torch.full_like(soft, alpha), torch.full_like(soft, pool_weight)
    )
    return (weight_soft * soft + (1.0 - alpha) * hard * gold).mean()


class DistillationTrainer(Trainer):
    """The transformers Trainer with :func:`distillation_loss` on rows that carry a teacher.

    Batches without teacher labels (evaluation) fall back to the model's own loss.
    """

    def __init__(
        self, *args: Any, temperature: float, alpha: float, pool_weight: float = 1.0, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.temperature = temperature
        self.alpha = alpha
        self.pool_weight = pool_weight

    def compute_loss(
        self,
        model: Any,
        inputs: dict[str, Any],
        return_outputs: bool = False,
        num_items_in_batch: Any = None,
    ) -> Any:
        teacher = inputs.pop(TEACHER_COLUMN, None)
        if teacher is None:
            return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
        labels = inputs.pop("labels")
        outputs = model(**inputs)
        loss = distillation_loss(
            outputs.logits, teacher, labels, self.temperature, self.alpha, self.pool_weight
        )
        return (loss, outputs) if return_outputs else loss
