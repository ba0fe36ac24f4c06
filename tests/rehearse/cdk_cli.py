"""The pinned CDK CLI (`npx --no-install cdk`, package.json), run the way a user deploys.

Each call writes its output to a log file in the work directory; on failure the caller prints the
log's end (the CLI's own error) next to the emulator's (moto's error behind it).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.rehearse.emulator import ROOT


@dataclass(frozen=True)
class CliRun:
    """One finished CLI command: its exit code and where its output is."""

    args: tuple[str, ...]
    returncode: int
    log_path: Path

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def tail(self, lines: int = 25) -> str:
        kept = [line for line in self.log_path.read_text(errors="replace").splitlines()
                if "NodeVersionSupportWarning" not in line and line.strip()]
        return "\n".join(kept[-lines:])


def cdk_command(*args: str) -> list[str]:
    # `--prefix`: the repository's pinned CLI also when the command runs elsewhere (bootstrap does).
    return ["npx", "--prefix", str(ROOT), "--no-install", "cdk", *args, "--no-notices"]


def start(args: list[str], *, log_path: Path, env: dict[str, str], cwd: Path = ROOT) -> subprocess.Popen[bytes]:
    """Start `cdk ARGS` (asynchronously: two synths can run side by side)."""
    with log_path.open("wb") as log:
        return subprocess.Popen(cdk_command(*args), cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait(process: subprocess.Popen[bytes], log_path: Path) -> CliRun:
    return CliRun(tuple(str(arg) for arg in process.args), process.wait(), log_path)  # type: ignore[union-attr]


def run(args: list[str], *, log_path: Path, env: dict[str, str], cwd: Path = ROOT) -> CliRun:
    return wait(start(args, log_path=log_path, env=env, cwd=cwd), log_path)


def synth_args(env_name: str, config_dir: Path, outdir: Path) -> list[str]:
    """Synthesize one environment of `config_dir` into `outdir` (cdk-nag runs as in every synth)."""
    return ["synth", "-c", f"env={env_name}", "-c", f"config_dir={config_dir}", "--output", str(outdir), "-q"]


def bootstrap_args(account: str, region: str) -> list[str]:
    # Run from a directory without cdk.json so the CLI bootstraps without synthesizing the app.
    return ["bootstrap", f"aws://{account}/{region}"]


def deploy_args(assembly_dir: Path, env_name: str) -> list[str]:
    """Deploy every stack of the environment's Stage from a synthesized assembly, without change sets."""
    return ["deploy", "--app", str(assembly_dir), f"{env_name}/*", "--method=direct",
            "--require-approval", "never", "--progress", "events"]


def destroy_args(assembly_dir: Path, env_name: str) -> list[str]:
    return ["destroy", "--app", str(assembly_dir), f"{env_name}/*", "--force"]
