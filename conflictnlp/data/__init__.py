"""Labeled data: the written dataset, users' labeled files, and real-news builders."""

from .labeled import (
    SHIPPED_FIELDS,
    SPLITS,
    DataError,
    load_dataset,
    read_labeled_file,
    shipped_data_dir,
    to_dataset,
)

__all__ = [
    "SHIPPED_FIELDS",
    "SPLITS",
    "DataError",
    "load_dataset",
    "read_labeled_file",
    "shipped_data_dir",
    "to_dataset",
]
