"""`fmkit eval-export RUN_DIR --format bedrock-model-eval|bedrock-rag-eval -o PATH`.

Writes the "bring your own inference responses" datasets Amazon Bedrock's model-evaluation and
RAG-evaluation jobs accept (see `fmkit.evaluate.export`), from any `fmkit eval` run (Bedrock,
SageMaker and Graviton answers alike) or `fmkit eval-retrieval` run. Bedrock allows one model
(or RAG source) per job: `-o FILE.jsonl` takes one, `-o DIR` writes one file per model or run.

Exit codes: 0 ok, 2 bad input (not a run, changed dataset, ambiguous output), 3 nothing to
export (no successful answer).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from fmkit.cli.common import err, out
from fmkit.cli.eval_gates import bad_input, nothing_measured

if TYPE_CHECKING:
    from fmkit.evaluate.export import Export


def eval_export(
    run_dir: Annotated[Path, typer.Argument(help="An `fmkit eval` or `fmkit eval-retrieval` output directory.")],
    format_: Annotated[str, typer.Option("--format", "-f", help="bedrock-model-eval or bedrock-rag-eval.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="FILE.jsonl (one model or run) or a directory "
                                         "(one file each).")],
    models: Annotated[list[str], typer.Option("--model", "-m", help="Only these models (repeatable).")]
    = [],  # noqa: B006 - typer reads the default, never mutates it
    retrieval: Annotated[Path | None, typer.Option("--retrieval", help="bedrock-rag-eval of an eval run: the "
                                                   "eval-retrieval run whose passages go with the answers.")] = None,
    run: Annotated[list[str], typer.Option("--run", help="Retrieval run name(s) to use (default: all, or the "
                                           "first with --retrieval).")] = [],  # noqa: B006
    dataset: Annotated[Path | None, typer.Option("--dataset", help="The dataset the run used, if it moved.")]
    = None,
    category: Annotated[str, typer.Option("--category", help="bedrock-model-eval category from: tag (the first "
                                          "tag), split or none.")] = "tag",
) -> None:
    """Export a run for Amazon Bedrock evaluation jobs (bring your own inference responses)."""
    from fmkit.evaluate.export import FORMATS, ExportError, write_exports

    if format_ not in FORMATS:
        bad_input(f"unknown --format {format_!r}: use {' or '.join(FORMATS)}")
    if category not in ("tag", "split", "none"):
        bad_input(f"unknown --category {category!r}: use tag, split or none")
    try:
        exports = _exports(run_dir, format_, models, retrieval, run, dataset, category)
        written = write_exports(exports, output)
    except ExportError as exc:
        bad_input(str(exc))
    lines = sum(len(e.lines) for e in exports)
    for export in exports:
        err.print(f"{export.name}: {len(export.lines)} line(s)"
                  + (f", {export.skipped} item(s) without a usable answer left out" if export.skipped else ""),
                  markup=False)
    if not lines:
        nothing_measured("nothing to export: no successful answer in the run")
    out.print("wrote " + ", ".join(str(p) for p in written), markup=False)


def _exports(run_dir: Path, format_: str, models: list[str], retrieval: Path | None, runs: list[str],
             dataset: Path | None, category: str) -> list[Export]:
    from fmkit.evaluate.export import (
        RETRIEVAL_KIND,
        export_model_eval,
        export_retrieve_and_generate,
        export_retrieve_only,
    )

    if format_ == "bedrock-model-eval":
        return export_model_eval(run_dir, models=models, dataset=dataset, category=category)
    manifest = (run_dir / "run.json").read_text(encoding="utf-8") if (run_dir / "run.json").is_file() else ""
    if RETRIEVAL_KIND in manifest:
        return export_retrieve_only(run_dir, runs=runs, dataset=dataset)
    if len(runs) > 1:
        bad_input("--run: a retrieve-and-generate export joins one retrieval run")
    return export_retrieve_and_generate(run_dir, retrieval=retrieval, retrieval_run=runs[0] if runs else None,
                                        models=models, dataset=dataset)
