#!/usr/bin/env python3
"""`make synth`: synthesize every environment with the pinned CDK CLI, then lint and summarize.

Exit status is non-zero when synthesis fails, when cdk-nag (AwsSolutions, as a
policy-validation plugin) reports an unacknowledged finding, or when cfn-lint reports an
error — the same gate a CI pipeline wants before `cdk deploy`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "cdk.out"  # --output changes it (e.g. to synth beside a running `cdk watch`)
sys.path.insert(0, str(ROOT))


def run_cdk_synth(extra: list[str]) -> tuple[int, float]:
    started = time.perf_counter()
    command = ["npx", "--no-install", "cdk", "synth", "--quiet", "--output", str(OUT), *extra]
    result = subprocess.run(command, cwd=ROOT)
    return result.returncode, time.perf_counter() - started


def nag_report() -> tuple[list[dict], list[dict]]:
    report_path = OUT / "validation-report.json"
    if not report_path.is_file():
        return [], []
    report = json.loads(report_path.read_text())
    violations, acknowledged = [], []
    for plugin in report.get("pluginReports", []):
        violations += plugin.get("violations", [])
        acknowledged += plugin.get("suppressedViolations", [])
    return violations, acknowledged


def templates() -> list[Path]:
    """Every Stage's templates, and the app-level ones (the deploy pipeline and its support stacks)."""
    return sorted([*OUT.glob("assembly-*/*.template.json"), *OUT.glob("*.template.json")])


def display_names() -> dict[Path, str]:
    """Template file → 'env/StackId' from the nested assembly manifests."""
    names: dict[Path, str] = {}
    for manifest in [*OUT.glob("assembly-*/manifest.json"), *OUT.glob("manifest.json")]:
        for artifact in json.loads(manifest.read_text()).get("artifacts", {}).values():
            if artifact.get("type") == "aws:cloudformation:stack":
                template = manifest.parent / artifact["properties"]["templateFile"]
                names[template] = artifact.get("displayName", template.stem)
    return names


def cfn_lint(paths: list[Path]) -> tuple[int, list[str]]:
    if not paths:
        return 0, []
    result = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), "--format", "parseable", *map(str, paths)],
        cwd=ROOT, capture_output=True, text=True,
    )
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    errors = sum(1 for line in lines if ":E" in line or line.split(":")[-2:-1] == ["error"])
    # cfn-lint exit code: bit 2 = errors, 4 = warnings, 8 = informational
    if result.returncode & 2:
        errors = max(errors, 1)
    if result.returncode not in (0, 2, 4, 6, 8, 10, 12, 14):
        lines.append(result.stderr.strip())
        errors = max(errors, 1)
    return errors, lines


def config_warnings(env: str | None, config_dir: Path) -> list[str]:
    """Warnings (e.g. carbon policy in `warn` mode) that don't stop synthesis but must be seen."""
    from fmkit.config import ConfigError
    from fmkit.validate import load_validated

    try:
        loaded = load_validated(config_dir)
    except ConfigError:
        return []  # synthesis already printed the errors and failed
    return [w.format(ROOT) for w in loaded.warnings
            if env is None or f"environments/{env}.yaml" in str(w.location.file) or "models/" in str(w.location.file)]


def main() -> int:
    global OUT
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--env", help="only this environment (default: all)")
    parser.add_argument("--output", type=Path, default=ROOT / "cdk.out", help="cloud assembly directory")
    parser.add_argument("--config-dir", type=Path, default=ROOT / "model_configs",
                        help="config directory (e.g. examples/configs/pipeline)")
    args = parser.parse_args()
    OUT = args.output.resolve()
    extra = ["-c", f"env={args.env}"] if args.env else []
    if args.config_dir.resolve() != (ROOT / "model_configs").resolve():
        extra += ["-c", f"config_dir={args.config_dir.resolve()}"]

    status, seconds = run_cdk_synth(extra)
    violations, acknowledged = nag_report()
    if status != 0 and not violations:
        print(f"synth failed (exit {status}); see the messages above", file=sys.stderr)
        return status or 1

    paths = templates()
    lint_errors, lint_lines = cfn_lint(paths)

    print("\n== fmkit synth summary ==")
    manifest = json.loads((OUT / "manifest.json").read_text()) if (OUT / "manifest.json").is_file() else {}
    envs = sorted(name.removeprefix("assembly-") for name in (manifest.get("artifacts") or {})
                  if name.startswith("assembly-"))
    print(f"environments : {', '.join(envs) or '-'}")
    total = 0
    names = display_names()
    for path in paths:
        template = json.loads(path.read_text())
        counts = Counter(r["Type"] for r in template.get("Resources", {}).values())
        total += sum(counts.values())
        print(f"  {names.get(path, path.stem):<32} {sum(counts.values()):>4} resources")
    print(f"stacks       : {len(paths)}   resources: {total}   synth: {seconds:.1f}s")
    warnings = config_warnings(args.env, args.config_dir.resolve())
    print(f"config       : valid, {len(warnings)} warning(s)")
    for warning in warnings:
        print(f"  ! {warning}")
    print(f"cdk-nag      : {len(violations)} unacknowledged, {len(acknowledged)} acknowledged with a reason")
    for violation in violations:
        for construct in violation.get("violatingConstructs", []):
            print(f"  ✗ {violation['ruleName']}: {construct['constructPath']} — {violation['description']}")
    print(f"cfn-lint     : {lint_errors} error(s), {len(lint_lines) - lint_errors} other finding(s)")
    for line in lint_lines:
        print(f"  {line}")
    failed = bool(violations) or lint_errors > 0 or status != 0
    print("result       : " + ("FAILED" if failed else "OK (nag- and lint-clean)"))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
