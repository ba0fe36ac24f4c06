"""`make rehearse`: bootstrap, deploy, update and destroy one environment on the emulator; one summary line.

Steps (docs/rehearsal.md): copy the config twice (as is, and with the update's change), start the
emulator, synthesize both copies side by side with the pinned CLI, `cdk bootstrap` every
account/region the stacks use, `cdk deploy --method=direct`, check the stacks and read back what
they created, deploy the update and observe its change, then `cdk destroy` (best effort: moto's
VPC dependency order differs from CloudFormation's) and throw the emulator away.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from fmkit.config import ConfigError
from fmkit.validate import load_validated
from tests.rehearse import cdk_cli
from tests.rehearse.assembly import StackArtifact, read_stacks
from tests.rehearse.config_change import ASG_TYPE, ConfigChange, copy_config, raise_graviton_max
from tests.rehearse.emulator import ROOT, Emulator
from tests.rehearse.leftovers import destroyed_and_failed, explain
from tests.rehearse.readback import (
    Findings,
    check_complete,
    check_created,
    check_cross_stack,
    check_read_back,
    read_deployed,
)


class StepFailed(Exception):
    """A step that the rest of the rehearsal depends on failed; the message says which and why."""


@dataclass
class Outcome:
    """What the rehearsal saw, for the summary line."""

    stacks: int = 0
    complete: int = 0
    findings: Findings = field(default_factory=Findings)
    placeholders: Counter[str] = field(default_factory=Counter)
    update: str = "not run"
    destroy: str = "not run"
    failure: str | None = None


def say(message: str) -> None:
    print(f"rehearse: {message}", flush=True)


class Rehearsal:
    def __init__(self, env_name: str, config_dir: Path, workdir: Path) -> None:
        self.env_name = env_name
        self.workdir = workdir
        self.config = copy_config(config_dir, workdir / "config")
        self.updated_config = copy_config(config_dir, workdir / "config-updated")
        environment = load_validated(self.config).environment(env_name)
        self.emulator = Emulator(environment.account, environment.region, workdir)
        self.outcome = Outcome()
        self._processes: list[subprocess.Popen[bytes]] = []

    def run(self) -> Outcome:
        try:
            self._run()
        except StepFailed as exc:
            self.outcome.failure = str(exc)
        finally:
            for process in self._processes:  # a synth still running when an earlier step failed
                if process.poll() is None:
                    process.terminate()
                    process.wait()
            self.emulator.stop()
        return self.outcome

    def _run(self) -> None:
        try:
            change = raise_graviton_max(self.updated_config, self.env_name)
        except ValueError as exc:
            raise StepFailed(str(exc)) from None
        self.emulator.start()
        env = self.emulator.environment()
        os.environ.update(env)  # boto3 in this process: the emulator and fake credentials only
        say(f"emulator on {self.emulator.endpoint} as account {self.emulator.account}")
        first, updated = self.workdir / "cdk.out", self.workdir / "cdk.out-updated"
        synths = [(cdk_cli.start(cdk_cli.synth_args(self.env_name, config, out), log_path=log, env=env), log)
                  for config, out, log in ((self.config, first, self.workdir / "synth.log"),
                                           (self.updated_config, updated, self.workdir / "synth-updated.log"))]
        self._processes.extend(process for process, _ in synths)
        stacks = self._synthesized(*synths[0], first)
        self.outcome.stacks = len(stacks)
        self._bootstrap(stacks, env)
        self._cli("deploy", cdk_cli.deploy_args(first, self.env_name), env)
        self._check(stacks, count_resources=True)
        before = self._max_sizes(stacks)
        updated_stacks = self._synthesized(*synths[1], updated)
        self._cli("update", cdk_cli.deploy_args(updated, self.env_name), env)
        self._check(updated_stacks, count_resources=False)
        self.outcome.update = self._observe(change, stacks, updated_stacks, before)
        self.outcome.destroy = self._destroy(updated, updated_stacks, env)

    def _synthesized(self, process: subprocess.Popen[bytes], log: Path, outdir: Path) -> list[StackArtifact]:
        started = time.monotonic()
        run = cdk_cli.wait(process, log)
        if not run.ok:
            raise StepFailed(f"synth failed ({log}):\n{run.tail()}")
        stacks = read_stacks(outdir)
        say(f"synthesized {outdir.name}: {len(stacks)} stacks (waited {time.monotonic() - started:.0f} s)")
        return stacks

    def _cli(self, step: str, args: list[str], env: dict[str, str], cwd: Path = ROOT) -> None:
        started = time.monotonic()
        run = cdk_cli.run(args, log_path=self.workdir / f"{step}.log", env=env, cwd=cwd)
        if not run.ok:
            raise StepFailed(f"cdk {step} failed:\n{run.tail()}\n--- emulator log ---\n{self.emulator.log_tail()}")
        say(f"cdk {step}: ok ({time.monotonic() - started:.0f} s)")

    def _bootstrap(self, stacks: list[StackArtifact], env: dict[str, str]) -> None:
        for account, region in sorted({(stack.account, stack.region) for stack in stacks}):
            if account != self.emulator.account:
                raise StepFailed(f"a stack deploys to account {account}; the rehearsal emulates "
                                 f"{self.emulator.account} only")
            self._cli(f"bootstrap-{region}", cdk_cli.bootstrap_args(account, region), env, cwd=self.workdir)

    def _check(self, stacks: list[StackArtifact], *, count_resources: bool) -> None:
        started = time.monotonic()
        deployed = read_deployed(self.emulator, stacks)
        findings = Findings()
        check_complete(stacks, deployed, findings)
        placeholders = check_created(stacks, deployed, findings)
        check_read_back(self.emulator, stacks, deployed, findings)
        check_cross_stack(stacks, deployed, findings)
        self.outcome.complete = sum(1 for stack in stacks if deployed.status[stack.stack_name].endswith("_COMPLETE"))
        if count_resources:
            self.outcome.findings, self.outcome.placeholders = findings, placeholders
        else:
            self.outcome.findings.problems.extend(findings.problems)
        checked = ", ".join(f"{count} {kind}" for kind, count in sorted(findings.checked.items()))
        say(f"checked {checked}: {len(findings.problems)} differences ({time.monotonic() - started:.0f} s)")
        for problem in findings.problems:
            say(f"  {problem}")

    def _max_sizes(self, stacks: list[StackArtifact]) -> dict[tuple[str, str], int]:
        """MaxSize of every Auto Scaling group, as the emulator reports it."""
        deployed = read_deployed(self.emulator, stacks)
        sizes = {}
        for stack in stacks:
            autoscaling = self.emulator.client("autoscaling", stack.region)
            for logical_id in stack.resources_of(ASG_TYPE):
                name = deployed.physical[stack.stack_name][logical_id]
                group = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"]
                sizes[(stack.stack_name, logical_id)] = int(group[0]["MaxSize"]) if group else -1
        return sizes

    def _observe(self, change: ConfigChange, stacks: list[StackArtifact], updated: list[StackArtifact],
                 before: dict[tuple[str, str], int]) -> str:
        """The Auto Scaling group(s) whose template MaxSize the change moved, before and after the update."""
        old_templates = {stack.stack_name: stack for stack in stacks}
        after = self._max_sizes(updated)
        moved = [(stack.stack_name, logical_id) for stack in updated
                 for logical_id, properties in stack.resources_of(ASG_TYPE).items()
                 if str(properties.get("MaxSize")) == str(change.new)
                 and str(old_templates[stack.stack_name].resources_of(ASG_TYPE).get(logical_id, {}).get("MaxSize"))
                 == str(change.old)]
        if not moved:
            raise StepFailed(f"update: no Auto Scaling group template changed with {change.description}")
        for key in moved:
            if (before.get(key), after.get(key)) != (change.old, change.new):
                raise StepFailed(f"update: {key[0]}/{key[1]} MaxSize {before.get(key)}→{after.get(key)} "
                                 f"in the emulator, expected {change.old}→{change.new} ({change.description})")
        return f"observed ({change.description}: MaxSize {change.old}→{change.new})"

    def _destroy(self, assembly: Path, stacks: list[StackArtifact], env: dict[str, str]) -> str:
        """`cdk destroy` of every stack; moto's failures are reported with what they left, not raised."""
        started = time.monotonic()
        run = cdk_cli.run(cdk_cli.destroy_args(assembly, self.env_name), log_path=self.workdir / "destroy.log",
                          env=env)
        destroyed, failed = destroyed_and_failed(run.log_path.read_text(errors="replace"))
        say(f"cdk destroy: exit {run.returncode} ({time.monotonic() - started:.0f} s)")
        result = f"destroy {len(destroyed)}/{len(stacks)} stacks"
        if run.ok and len(destroyed) == len(stacks):
            return result
        reasons = explain(failed, self.emulator.client("ec2")) or [f"cdk destroy exit {run.returncode}"]
        for reason in reasons:
            say(f"  destroy (best effort on moto): {reason}")
        failed_stacks = ", ".join(failure.split(":", 1)[0] for failure in failed) or "see destroy.log"
        return f"{result} (best effort on moto; not destroyed: {failed_stacks}, reason above)"


def summary(outcome: Outcome, seconds: float) -> str:
    findings = outcome.findings
    placeholders = sum(outcome.placeholders.values())
    created = findings.checked["resource"] + findings.checked["placeholder"]
    read_back = sum(count for kind, count in findings.checked.items()
                    if kind not in ("stack", "resource", "placeholder", "cross-stack"))
    status = "FAILED" if outcome.failure or findings.problems else "ok"
    return (f"rehearsal: {status} — {outcome.complete}/{outcome.stacks} stacks complete, {created} resources "
            f"({created - placeholders} created by moto, {placeholders} placeholders of "
            f"{len(outcome.placeholders)} types), {read_back} read back against the templates, "
            f"{findings.checked['cross-stack']} cross-stack references resolved, "
            f"{len(findings.problems)} differences, update {outcome.update}, {outcome.destroy}, {seconds:.0f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.rehearse", description=__doc__)
    parser.add_argument("--env", default="dev", help="environment of the config to rehearse (default: dev)")
    parser.add_argument("--config-dir", type=Path, default=ROOT / "model_configs")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, assemblies)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="fmkit-rehearse-"))
    say(f"work directory {workdir}")
    try:
        rehearsal = Rehearsal(args.env, args.config_dir.resolve(), workdir)
    except ConfigError as exc:
        print(f"rehearse: cannot load environment {args.env!r} from {args.config_dir}: {exc}", file=sys.stderr)
        shutil.rmtree(workdir, ignore_errors=True)
        return 2
    outcome = rehearsal.run()
    if outcome.failure:
        print(f"rehearse: {outcome.failure}", file=sys.stderr)
    if args.keep or outcome.failure:
        say(f"logs kept in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    print(summary(outcome, time.monotonic() - started), flush=True)
    return 1 if outcome.failure or outcome.findings.problems else 0
