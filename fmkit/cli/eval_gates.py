"""What `fmkit eval-retrieval`, `eval-guardrail` and `eval-export` share: exit codes, bad input,
`--min-score` / `--max-score` gates over named metrics, and the AWS session.

Exit codes (as for `fmkit eval`): 0 ok, 1 a threshold failed, 2 bad input (config, dataset or
suite, option syntax, unknown names, unreachable discovery), 3 nothing could be measured (every
request failed, so no score exists to judge).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import typer

from fmkit.cli.common import err, fail, load_or_exit
from fmkit.config import ConfigError, EnvironmentConfig

EXIT_OK = 0
EXIT_THRESHOLD = 1  # a --min-score / min_scores threshold failed
EXIT_INPUT = 2  # bad input: config, dataset, option syntax, unknown name, unresolvable endpoint
EXIT_NOTHING_MEASURED = 3  # no successful request: nothing to score


def bad_input(message: str) -> NoReturn:
    err.print(message, style="red", markup=False)
    raise typer.Exit(EXIT_INPUT)


def nothing_measured(message: str) -> NoReturn:
    err.print(message, style="bold red", markup=False)
    raise typer.Exit(EXIT_NOTHING_MEASURED)


def environment(config_dir: Path, env: str) -> EnvironmentConfig:
    loaded = load_or_exit(config_dir)
    try:
        return loaded.environment(env)
    except ConfigError as exc:
        fail(exc.problems, Path.cwd())


def did_you_mean(name: str, known: Sequence[str], what: str) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    hint = f"did you mean '{close[0]}'?" if close else f"known: {', '.join(known) or 'none'}"
    return f"unknown {what} '{name}': {hint}"


@dataclass(frozen=True)
class Bounds:
    """Thresholds by metric: `minimums` must be reached, `maximums` not exceeded."""

    minimums: dict[str, float] = field(default_factory=dict)
    maximums: dict[str, float] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.minimums or self.maximums)


def _parse(spec: str, option: str) -> tuple[str, float]:
    from fmkit.evaluate.report.gate import parse_threshold  # the library's grammar; numpy stays off CLI start-up

    try:
        return parse_threshold(spec, option)
    except ValueError as exc:
        bad_input(str(exc))


def parse_bounds(min_specs: Sequence[str], max_specs: Sequence[str], higher_is_better: Mapping[str, bool]) -> Bounds:
    """`--min-score` on metrics where higher is better, `--max-score` where lower is (both
    checked: a minimum on a latency would pass every slow run)."""
    bounds = Bounds()
    for specs, option, target, wanted in ((min_specs, "--min-score", bounds.minimums, True),
                                          (max_specs, "--max-score", bounds.maximums, False)):
        for spec in specs:
            metric, value = _parse(spec, option)
            if metric not in higher_is_better:
                bad_input(did_you_mean(metric, list(higher_is_better), f"metric in {option}"))
            if higher_is_better[metric] != wanted:
                other = "--max-score" if wanted else "--min-score"
                bad_input(f"{option} {metric}: {'lower' if wanted else 'higher'} is better for {metric}; "
                          f"use {other} {metric}={value:g}")
            target[metric] = value
    return bounds


def gate(rows: Mapping[str, Mapping[str, float | None]], bounds: Bounds) -> list[str]:
    """One line per (row, metric) outside its bound; an unmeasured value fails too."""
    failures = []
    for row, values in rows.items():
        for metric, floor in bounds.minimums.items():
            value = values.get(metric)
            if value is None or value < floor:
                shown = "not measured" if value is None else f"{value:.4g}"
                failures.append(f"{row}: {metric} {shown} < min {floor:g}")
        for metric, ceiling in bounds.maximums.items():
            value = values.get(metric)
            if value is None or value > ceiling:
                shown = "not measured" if value is None else f"{value:.4g}"
                failures.append(f"{row}: {metric} {shown} > max {ceiling:g}")
    return failures


def describe_bounds(bounds: Bounds) -> list[str]:
    return ([f"{m} >= {v:g}" for m, v in bounds.minimums.items()]
            + [f"{m} <= {v:g}" for m, v in bounds.maximums.items()])


def apply_gate(rows: Mapping[str, Mapping[str, float | None]], bounds: Bounds) -> None:
    """Print the gate's verdict; exit 1 when a bound failed."""
    if not bounds:
        return
    failures = gate(rows, bounds)
    if failures:
        for line in failures:
            err.print(f"FAIL {line}", style="bold red", markup=False)
        raise typer.Exit(EXIT_THRESHOLD)
    err.print("thresholds passed: " + ", ".join(describe_bounds(bounds)), style="green", markup=False)


def aws_session(region: str) -> Any:
    import boto3

    return boto3.session.Session(region_name=region)


def read_discovery(session: Any, name: str) -> dict[str, Any]:
    """The JSON value of a discovery parameter (bad input when it cannot be read)."""
    import json

    try:
        value = session.client("ssm").get_parameter(Name=name)["Parameter"]["Value"]
        data = json.loads(value)
    except Exception as exc:  # botocore: no credentials, not found, access denied; or bad JSON
        bad_input(f"could not read {name} from SSM: {exc}")
    if not isinstance(data, dict):
        bad_input(f"{name} does not hold a JSON object")
    return data
