"""Turn a Report into Markdown, self-contained HTML and PNG plots.

Both documents are rendered from one list of blocks, so the Markdown and the HTML always
say the same thing; the HTML embeds its plots as base64 PNGs and opens offline.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..labels import LABELS

if TYPE_CHECKING:
    from .report import ModelResult, Report


@dataclass
class Block:
    kind: str  # "h1", "h2", "h3", "p", "table", "image"
    content: Any


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name).strip("_").lower() or "model"


def _fmt(value: float) -> str:
    return f"{value:.3f}"


def _blocks(report: Report) -> list[Block]:
    first = report.results[0].metrics
    blocks = [
        Block("h1", "conflictnlp evaluation report"),
        Block(
            "p", f"Data: {report.data_name}. Sentences: {first['n']}. Labels: {', '.join(LABELS)}."
        ),
    ]
    if len(report.results) > 1:
        blocks.append(Block("h2", "Model comparison"))
        rows = [["model", "accuracy", "macro-F1", "macro-F1 95% CI", "ECE"]]
        for r in report.results:
            m = r.metrics
            ci = m["macro_f1_ci95"]
            rows.append(
                [
                    r.name,
                    _fmt(m["accuracy"]),
                    _fmt(m["macro_f1"]),
                    f"[{_fmt(ci[0])}, {_fmt(ci[1])}]",
                    _fmt(m["ece"]),
                ]
            )
        blocks.append(Block("table", rows))
        rows = [["A", "B", "macro-F1 A - B", "95% CI", "p (paired bootstrap)"]]
        for c in report.comparisons:
            rows.append(
                [
                    c["a"],
                    c["b"],
                    f"{c['difference']:+.3f}",
                    f"[{c['ci95'][0]:+.3f}, {c['ci95'][1]:+.3f}]",
                    f"{c['p_value']:.3f}",
                ]
            )
        blocks.append(Block("table", rows))
        blocks.append(
            Block(
                "p",
                f"Paired bootstrap over sentences, {report.comparisons[0]['n_resamples']} "
                "resamples; the p-value is two-sided.",
            )
        )
    for result in report.results:
        blocks.extend(_model_blocks(report, result))
    return blocks


def _model_blocks(report: Report, result: ModelResult) -> list[Block]:
    m = result.metrics
    slug = _slug(result.name)
    ci = m["macro_f1_ci95"]
    blocks = [
        Block("h2", f"Model: {result.name}"),
        Block(
            "p",
            f"Accuracy {_fmt(m['accuracy'])}; macro-F1 {_fmt(m['macro_f1'])} "
            f"(95% bootstrap CI [{_fmt(ci[0])}, {_fmt(ci[1])}]); expected calibration "
            f"error {_fmt(m['ece'])} (10 bins).",
        ),
        Block("h3", "Per label"),
    ]
    if m.get("absent_labels"):
        blocks.insert(
            -1,
            Block(
                "p",
                f"Labels absent from both the gold labels and the predictions, left out of "
                f"the macro averages: {', '.join(m['absent_labels'])}.",
            ),
        )
    rows = [["label", "precision", "recall", "F1", "support"]]
    for label, v in m["per_label"].items():
        rows.append(
            [label, _fmt(v["precision"]), _fmt(v["recall"]), _fmt(v["f1"]), str(v["support"])]
        )
    blocks.append(Block("table", rows))
    blocks.append(Block("h3", "Confusion matrix (rows: gold, columns: predicted)"))
    blocks.append(
        Block(
            "table",
            [["gold \\ predicted", *LABELS]]
            + [[LABELS[i], *map(str, row)] for i, row in enumerate(m["confusion_matrix"])],
        )
    )
    blocks.append(Block("image", f"confusion_matrix_{slug}.png"))
    blocks.append(Block("h3", "Calibration"))
    blocks.append(Block("image", f"reliability_{slug}.png"))
    if result.groups:
        blocks.append(Block("h3", f"By {report.group_by}"))
        rows = [[report.group_by or "group", "n", "accuracy", "macro-F1", "macro-F1 95% CI", "ECE"]]
        for value, g in result.groups.items():
            gci = g["macro_f1_ci95"]
            rows.append(
                [
                    value,
                    str(g["n"]),
                    _fmt(g["accuracy"]),
                    _fmt(g["macro_f1"]),
                    f"[{_fmt(gci[0])}, {_fmt(gci[1])}]",
                    _fmt(g["ece"]),
                ]
            )
        blocks.append(Block("table", rows))
    blocks.append(Block("h3", "Most confident mistakes"))
    rows = [["text", "gold", "predicted", "confidence"]]
    for x in report.mistakes(result):
        rows.append([x["text"], x["gold"], x["predicted"], _fmt(x["confidence"])])
    blocks.append(Block("table", rows) if len(rows) > 1 else Block("p", "No mistakes."))
    return blocks


def _md_cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: Report) -> str:
    out: list[str] = []
    for block in _blocks(report):
        if block.kind in ("h1", "h2", "h3"):
            out.append(f"{'#' * int(block.kind[1])} {block.content}\n")
        elif block.kind == "p":
            out.append(f"{block.content}\n")
        elif block.kind == "image":
            out.append(f"![{block.content}]({block.content})\n")
        else:
            header, *body = block.content
            out.append("| " + " | ".join(map(_md_cell, header)) + " |")
            out.append("|" + "---|" * len(header))
            out.extend("| " + " | ".join(map(_md_cell, row)) + " |" for row in body)
            out.append("")
    return "\n".join(out)


def render_html(report: Report, directory: Path) -> str:
    parts = []
    for block in _blocks(report):
        if block.kind in ("h1", "h2", "h3"):
            parts.append(f"<{block.kind}>{html.escape(block.content)}</{block.kind}>")
        elif block.kind == "p":
            parts.append(f"<p>{html.escape(block.content)}</p>")
        elif block.kind == "image":
            data = base64.b64encode((directory / block.content).read_bytes()).decode("ascii")
            parts.append(
                f'<img alt="{html.escape(block.content)}" src="data:image/png;base64,{data}">'
            )
        else:
            header, *body = block.content
            head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
            rows = "".join(
                "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
                for row in body
            )
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
    style = (
        "body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}"
        "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;"
        "text-align:left;vertical-align:top}img{max-width:100%}"
    )
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>conflictnlp evaluation report"
        f"</title><style>{style}</style></head><body>{''.join(parts)}</body></html>\n"
    )


def _figure(size: tuple[float, float]) -> Any:
    """A figure without pyplot: no global state, no GUI backend, safe on headless servers."""
    from matplotlib.figure import Figure

    return Figure(figsize=size, layout="tight")


def _plot_confusion(result: ModelResult, path: Path) -> None:
    import numpy as np
    from sklearn.metrics import ConfusionMatrixDisplay

    fig = _figure((6.5, 5.5))
    ax = fig.subplots()
    matrix = np.asarray(result.metrics["confusion_matrix"])
    ConfusionMatrixDisplay(matrix, display_labels=LABELS).plot(
        ax=ax, cmap="Blues", colorbar=False, xticks_rotation=30
    )
    ax.set_title(f"Confusion matrix: {result.name}")
    fig.savefig(path, dpi=110)


def _plot_reliability(report: Report, result: ModelResult, path: Path) -> None:
    from .metrics import reliability_bins

    bins = reliability_bins(result.probs, report.y_true)
    fig = _figure((5.5, 5))
    ax = fig.subplots()
    centers = [(b["low"] + b["high"]) / 2 for b in bins]
    accuracy = [b["accuracy"] or 0.0 for b in bins]
    ax.bar(centers, accuracy, width=0.095, edgecolor="black", label="accuracy in bin")
    ax.plot([0, 1], [0, 1], "--", color="grey", label="perfect calibration")
    ax.set(xlabel="confidence", ylabel="accuracy", xlim=(0, 1), ylim=(0, 1))
    ax.set_title(f"Reliability: {result.name} (ECE {result.metrics['ece']:.3f})")
    ax.legend(loc="upper left")
    fig.savefig(path, dpi=110)


def write_report(report: Report, directory: Path) -> None:
    """Write the plots, report.md and report.html into ``directory``."""
    for result in report.results:
        slug = _slug(result.name)
        _plot_confusion(result, directory / f"confusion_matrix_{slug}.png")
        _plot_reliability(report, result, directory / f"reliability_{slug}.png")
    (directory / "report.md").write_text(render_markdown(report), encoding="utf-8")
    (directory / "report.html").write_text(render_html(report, directory), encoding="utf-8")
