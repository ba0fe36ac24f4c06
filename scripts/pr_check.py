#!/usr/bin/env python3
"""Pieces of the pull-request check (.github/workflows/fmkit-pr.yml), runnable and testable locally.

    python scripts/pr_check.py diff-summary --env dev --env prod > diff.md   # needs AWS credentials
    python scripts/pr_check.py comment --plan plan.md [--diff diff.md] > comment.md

The comment starts with the plan's marker, so the workflow updates one comment per pull request
instead of adding one per push.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

MARKER = "<!-- fmkit-plan-delta -->"
STACK_RE = re.compile(r"^Stack (\S+)")
RESOURCE_RE = re.compile(r"^\[([+~-])\] ((?:AWS|Custom)::\S+|\S+::\S+::\S+) (\S+)")
WORDS = {"+": "add", "~": "update", "-": "destroy"}


@dataclass
class StackDiff:
    name: str
    counts: Counter[str] = field(default_factory=Counter)
    replaced: list[str] = field(default_factory=list)


def parse_cdk_diff(text: str) -> list[StackDiff]:
    """Resource changes per stack from `cdk diff` output (replacements listed: they can lose data)."""
    stacks: list[StackDiff] = []
    for line in text.splitlines():
        if match := STACK_RE.match(line):
            stacks.append(StackDiff(match.group(1)))
        elif (match := RESOURCE_RE.match(line)) and stacks:
            stacks[-1].counts[WORDS[match.group(1)]] += 1
            if "replace" in line.lower():
                stacks[-1].replaced.append(f"{match.group(3)} ({match.group(2)})")
    return stacks


def render_diff_summary(env: str, stacks: list[StackDiff], status: int) -> str:
    if status not in (0, 1):  # cdk diff --fail exits 1 on differences, anything else is an error
        return f"- **{env}**: `cdk diff` failed (exit {status}); see the job log\n"
    changed = [s for s in stacks if s.counts]
    if not changed:
        return f"- **{env}**: no infrastructure changes\n"
    lines = [f"- **{env}**:"]
    for stack in changed:
        counts = ", ".join(f"{stack.counts[w]} to {w}" for w in ("add", "update", "destroy") if stack.counts[w])
        lines.append(f"  - `{stack.name}`: {counts}")
        lines += [f"    - ⚠️ replaces {name}" for name in stack.replaced]
    return "\n".join(lines) + "\n"


def diff_summary(envs: list[str]) -> str:
    parts = ["### cdk diff", ""]
    for env in envs:
        result = subprocess.run(["npx", "--no-install", "cdk", "diff", "--fail", "-c", f"env={env}", f"{env}/*"],
                                capture_output=True, text=True, check=False)
        parts.append(render_diff_summary(env, parse_cdk_diff(result.stdout + result.stderr), result.returncode))
    return "\n".join(parts)


def render_comment(plan_markdown: str, diff_markdown: str | None) -> str:
    body = plan_markdown if plan_markdown.startswith(MARKER) else f"{MARKER}\n{plan_markdown}"
    diff = diff_markdown or ("### cdk diff\n\n_Not run: set the repository variable FMKIT_DIFF_ROLE_ARN "
                             "(an OIDC role) to add it._\n")
    return body.rstrip("\n") + "\n\n" + diff.rstrip("\n") + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    diff = sub.add_parser("diff-summary")
    diff.add_argument("--env", action="append", required=True)
    comment = sub.add_parser("comment")
    comment.add_argument("--plan", type=Path, required=True)
    comment.add_argument("--diff", type=Path)
    args = parser.parse_args()
    if args.command == "diff-summary":
        sys.stdout.write(diff_summary(args.env))
    else:
        diff_text = args.diff.read_text() if args.diff and args.diff.is_file() else None
        sys.stdout.write(render_comment(args.plan.read_text(), diff_text))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
