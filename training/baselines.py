"""The baselines the shipped model is compared with, each trained on the same train split.

Each function takes the DatasetDict and returns test-split predictions; timing and
scoring are done by the caller (benchmarks/training_benchmark.py), identically for all.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def tfidf_logreg(splits: Any, seed: int = 42) -> np.ndarray:
    """Word and character n-gram TF-IDF with a logistic regression (scikit-learn)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    features = make_union(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2),
    )
    model = make_pipeline(features, LogisticRegression(C=10, max_iter=3000, random_state=seed))
    model.fit(splits["train"]["text"], splits["train"]["label"])
    return model.predict(splits["test"]["text"])


def _embed(texts: list[str]) -> np.ndarray:
    """Mean-pooled, normalised all-MiniLM-L6-v2 sentence embeddings (frozen encoder)."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    from conflictnlp.inference.base_model import default_encoder_dir
    from conflictnlp.quiet import quiet

    with quiet():
        tokenizer = AutoTokenizer.from_pretrained(default_encoder_dir())
        model = AutoModel.from_pretrained(default_encoder_dir()).eval()
    chunks = []
    with torch.inference_mode():
        for i in range(0, len(texts), 64):
            batch = tokenizer(
                texts[i : i + 64],
                padding=True,
                truncation=True,
                max_length=128,
                return_tensors="pt",
            )
            hidden = model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).float()
            pooled = (hidden * mask).sum(1) / mask.sum(1)
            chunks.append(torch.nn.functional.normalize(pooled, dim=1).numpy())
    return np.concatenate(chunks)


def embeddings_logreg(splits: Any, seed: int = 42) -> np.ndarray:
    """Frozen encoder embeddings with a logistic regression on top."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=10, max_iter=3000, random_state=seed)
    model.fit(_embed(list(splits["train"]["text"])), splits["train"]["label"])
    return model.predict(_embed(list(splits["test"]["text"])))


def setfit(splits: Any, seed: int = 42) -> np.ndarray:
    """SetFit: contrastive fine-tuning of the sentence encoder, then a logistic head."""
    from setfit import SetFitModel, Trainer, TrainingArguments

    from conflictnlp.inference.base_model import default_encoder_dir
    from conflictnlp.quiet import quiet

    with quiet():
        model = SetFitModel.from_pretrained(str(default_encoder_dir()))
    import tempfile

    # SetFit checkpoints into ./checkpoints by default; keep them out of the work tree
    output_dir = tempfile.mkdtemp(prefix="setfit-")
    args = TrainingArguments(
        output_dir=output_dir, batch_size=32, num_epochs=1, num_iterations=2, seed=seed
    )
    trainer = Trainer(
        model=model, args=args, train_dataset=splits["train"].select_columns(["text", "label"])
    )
    trainer.train()
    return np.asarray(model.predict(list(splits["test"]["text"])))
