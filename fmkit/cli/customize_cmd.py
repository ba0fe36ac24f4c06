"""`fmkit customize check-data FILE --format bedrock:<base-model>|sagemaker`: check training data locally.

Every problem prints as `file:line: message`, then a summary with the record count and the
token counts (estimated at 4 characters a token unless `--tokenizer` gives a local
`tokenizer.json`, for open models: the summary says which). Exit 0 when the data is usable,
2 when it has problems (warnings do not fail: a limit checked on an estimate is a warning).
`--holdout FILE` also checks that no holdout item of that `fmkit eval` dataset is a training
prompt.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from fmkit.cli.common import EXIT_CONFIG, err, out
from fmkit.customize.data_check import (
    SAGEMAKER,
    DataReport,
    FormatSpec,
    TokenCounter,
    bedrock_format_spec,
    check_file,
    estimated_counter,
    holdout_overlap,
    holdout_prompts,
    tokenizer_counter,
)
from fmkit.customize.training.records import RecordProblem
from fmkit.evaluate import DatasetError, load_dataset

customize_app = typer.Typer(help="Customize a model: check training data before a job is paid for.",
                            no_args_is_help=True)
METHODS = ("fine-tuning", "continued-pretraining", "distillation")


def format_spec(text: str, method: str) -> FormatSpec:
    """`sagemaker` or `bedrock:<base-model id>` (the id has colons of its own)."""
    if text == SAGEMAKER:
        return FormatSpec(SAGEMAKER, label="sagemaker (the training script's JSONL)")
    if text.startswith("bedrock:") and len(text) > len("bedrock:"):
        try:
            return bedrock_format_spec(text.removeprefix("bedrock:"), method)
        except KeyError as exc:
            raise typer.BadParameter(f"{exc.args[0]} (see fmkit/catalog/data/bedrock_customization.json)") from None
    raise typer.BadParameter("use sagemaker or bedrock:<base-model id>, e.g. bedrock:amazon.nova-micro-v1:0")


def _counter(tokenizer: Path | None, spec: FormatSpec) -> TokenCounter:
    if tokenizer is None:
        return estimated_counter()
    if spec.data_format != SAGEMAKER:
        raise typer.BadParameter("Bedrock's tokenizers are not public: its limits are checked on estimates",
                                 param_hint="--tokenizer")
    try:
        return tokenizer_counter(tokenizer)
    except RuntimeError as exc:
        raise typer.BadParameter(str(exc), param_hint="--tokenizer") from None


def _overlap(report: DataReport, holdout: Path) -> list[RecordProblem]:
    try:
        dataset = load_dataset(holdout)
    except DatasetError as exc:
        return [RecordProblem(str(p.path), p.line, p.message) for p in exc.problems]
    return holdout_overlap(report, holdout_prompts(dataset))


def _print(report: DataReport, spec: FormatSpec, as_json: bool) -> None:
    ordered = sorted(report.problems, key=lambda p: p.line)
    if as_json:
        out.print(json.dumps({**report.summary(), "format": spec.label, "limits": dict(spec.limits),
                              "problems": [str(p) for p in ordered],
                              "warnings": [str(w) for w in sorted(report.warnings, key=lambda w: w.line)]},
                             indent=2), markup=False)
        return
    for problem in ordered:
        out.print(str(problem), style="red", markup=False)
    for warning in sorted(report.warnings, key=lambda w: w.line):
        out.print(f"{warning} (warning)", style="yellow", markup=False)
    summary = report.summary()
    limits = ", ".join(f"{k} {v}" for k, v in spec.limits.items()) or "none documented"
    out.print(f"{report.source}: {summary['records']} records, {summary['tokens_total']} tokens "
              f"(max {summary['tokens_max']}, mean {summary['tokens_mean']} per record; {report.counter}); "
              f"format {spec.label}; limits: {limits}", markup=False)


@customize_app.command("check-data")
def check_data(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A JSONL file of training data.")],
    data_format: Annotated[str, typer.Option(
        "--format", help="sagemaker (the training script's format) or bedrock:<base-model id>.")],
    method: Annotated[str, typer.Option(help=f"Bedrock method: {', '.join(METHODS)}.")] = "fine-tuning",
    channel: Annotated[str, typer.Option(help="train or validation (which limits apply).")] = "train",
    holdout: Annotated[Path | None, typer.Option(
        exists=True, dir_okay=False, help="The holdout set (fmkit eval's format): none of it may be trained on.")]
    = None,
    tokenizer: Annotated[Path | None, typer.Option(
        exists=True, help="A local tokenizer.json (or its folder) for exact token counts (open models).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Check training data: every problem with its line, the record and token counts, the limits."""
    if method not in METHODS:
        raise typer.BadParameter(f"one of {', '.join(METHODS)}", param_hint="--method")
    if channel not in ("train", "validation"):
        raise typer.BadParameter("train or validation", param_hint="--channel")
    spec = format_spec(data_format, method)
    report = check_file(file, spec, _counter(tokenizer, spec), channel=channel)
    if holdout is not None:
        report.problems.extend(_overlap(report, holdout))
    _print(report, spec, as_json)
    if report.problems:
        err.print(f"{len(report.problems)} problem(s) in {file}", style="bold red")
        raise typer.Exit(EXIT_CONFIG)
