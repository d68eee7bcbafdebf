"""The label set. Its order is the label id order everywhere: data, model config, reports."""

from __future__ import annotations

LABELS: tuple[str, ...] = ("attack", "casualty_report", "diplomatic_move", "allegation", "other")
LABEL2ID: dict[str, int] = {name: i for i, name in enumerate(LABELS)}
ID2LABEL: dict[int, str] = dict(enumerate(LABELS))
