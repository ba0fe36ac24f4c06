"""One run of a customization workflow: its names, its S3 layout, the holdout it answers, its verdict.

The state machine, its functions and the conversion build agree on these through this module
(pure, boto-free, so it is tested without AWS):

    customizations/<name>/runs/<run>/validation.json   data report (records, tokens, warnings)
    customizations/<name>/runs/<run>/holdout.jsonl     the holdout as chat requests (id, messages, max_tokens)
    customizations/<name>/runs/<run>/answers/served.jsonl     what the served model answered
    customizations/<name>/runs/<run>/answers/candidate.jsonl  what the candidate answered
    customizations/<name>/runs/<run>/candidate.json    the candidate artifact (URI, S3 version, sha256)
    customizations/<name>/runs/<run>/decision.json     the gate's decision; report.md beside it
    customizations/<name>/training/, bedrock/, gguf/<run>/   job outputs
    checkpoints/<name>/<run>/                         spot checkpoints (expire after two weeks)

Scoring imports `fmkit.evaluate` when called, so the stacks import the names without it.
A candidate is never overwritten (its key has the run in it), so the S3 version and sha256 a
promotion pins stay valid for as long as the object is kept.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the stacks import the names and keys; only the workflow's functions score
    from fmkit.customize.promotion import PromotionDecision
    from fmkit.evaluate import Dataset

CHECKPOINTS = "checkpoints"  # checkpoints/<name>/<run>/: one prefix the bucket's lifecycle expires
JOB_NAME_MAX = 63  # SageMaker training job and Bedrock job names
_UNSAFE = re.compile(r"[^A-Za-z0-9-]+")


def customization_root(name: str) -> str:
    return f"customizations/{name}"


def run_prefix(name: str, run_id: str) -> str:
    return f"{customization_root(name)}/runs/{run_id}"


def job_name(name: str, run_id: str) -> str:
    """`<name>-<run>`, at most 63 characters: the whole name (IAM scopes jobs by it), the run's end."""
    run = _UNSAFE.sub("-", run_id).strip("-") or "run"
    room = JOB_NAME_MAX - 1 - len(name)
    if room < 8:
        raise ValueError(f"customization name {name!r} leaves no room for the run in a job name")
    return f"{name}-{run[-room:].lstrip('-') or 'run'}"


@dataclass(frozen=True)
class RunKeys:
    """Object keys of one run (see the module's layout)."""

    name: str
    run_id: str

    @property
    def prefix(self) -> str:
        return run_prefix(self.name, self.run_id)

    @property
    def validation(self) -> str:
        return f"{self.prefix}/validation.json"

    @property
    def holdout(self) -> str:
        return f"{self.prefix}/holdout.jsonl"

    def answers(self, side: str) -> str:
        if side not in ("served", "candidate"):
            raise ValueError("side is served or candidate")
        return f"{self.prefix}/answers/{side}.jsonl"

    @property
    def candidate(self) -> str:
        return f"{self.prefix}/candidate.json"

    @property
    def decision(self) -> str:
        return f"{self.prefix}/decision.json"

    @property
    def report(self) -> str:
        return f"{self.prefix}/report.md"

    @property
    def gguf_prefix(self) -> str:
        return f"{customization_root(self.name)}/gguf/{self.run_id}"

    @property
    def checkpoints(self) -> str:
        return f"{CHECKPOINTS}/{self.name}/{self.run_id}"


def holdout_requests(dataset: Dataset, max_tokens: int) -> list[dict[str, Any]]:
    """The holdout items as OpenAI-style chat requests (system first), greedy, each with its id."""
    from fmkit.customize.holdout import holdout_items

    requests = []
    for item in holdout_items(dataset).items:
        messages = [{"role": "system", "content": item.system}] if item.system else []
        if item.messages is not None:
            messages += [{"role": m.role, "content": m.content} for m in item.messages]
        else:
            messages.append({"role": "user", "content": item.prompt or ""})
        requests.append({"id": item.id, "messages": messages, "max_tokens": max_tokens, "temperature": 0,
                         "reference": item.reference})
    return requests


def parse_answers(text: str) -> dict[str, str]:
    """id → answer text of an answers file (`{"id", "output", "error"}` per line; a failure is "")."""
    answers: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        answers[str(row["id"])] = "" if row.get("error") else str(row.get("output") or "")
    return answers


def item_scores(requests: Sequence[Mapping[str, Any]], answers: Mapping[str, str], metric: str) -> dict[str, float]:
    """The metric of every answered holdout item, by id (fmkit eval's metric, per item)."""
    from fmkit.evaluate.metrics.quality import quality_metrics

    by_name = {m.name: m for m in quality_metrics()}
    if metric not in by_name:
        raise ValueError(f"unknown metric {metric!r}; one of {', '.join(by_name)}")
    answered = [r for r in requests if str(r["id"]) in answers]
    scores = by_name[metric].item_scores([answers[str(r["id"])] for r in answered],
                                         [str(r["reference"]) for r in answered])
    return {str(r["id"]): float(s) for r, s in zip(answered, scores, strict=True)}


def report_markdown(name: str, run_id: str, decision: PromotionDecision, served: str, candidate: str) -> str:
    """The decision as a short Markdown report kept beside the candidate."""
    verdict = "promoted" if decision.promoted else "rejected (kept, nothing changed)"

    def number(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.4f}"

    rows = [("served", served, number(decision.served_mean)), ("candidate", candidate, number(decision.candidate_mean))]
    lines = [f"# {name}: run {run_id} — {verdict}", "", decision.reason, "",
             f"| | model | mean {decision.metric} |", "|---|---|---:|",
             *(f"| {side} | {model} | {mean} |" for side, model, mean in rows), "",
             f"- paired holdout items: {decision.n_items}",
             f"- difference: {number(decision.difference)}, {1 - decision.policy.alpha:.0%} CI "
             f"[{number(decision.ci_low)}, {number(decision.ci_high)}], p = {number(decision.p_value)}",
             f"- gate: margin {decision.policy.min_improvement}, alpha {decision.policy.alpha}, "
             f"at least {decision.policy.min_items} items"]
    return "\n".join(lines) + "\n"
