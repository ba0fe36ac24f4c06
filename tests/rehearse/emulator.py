"""Start and stop the emulator process, and build the environment the CDK CLI and boto3 use against it.

Nothing here can reach a real AWS account: the AWS variables of the calling shell are dropped, the
credentials are fake, shared config/credential files point to empty files in the work directory and
every SDK call goes to `AWS_ENDPOINT_URL` (the emulator on loopback).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_SECONDS = 60.0


class EmulatorError(RuntimeError):
    """The emulator did not start (its log says why)."""


class Emulator:
    """moto in server mode with the rehearsal's patches (`tests/rehearse/server.py`), in its own process."""

    def __init__(self, account: str, region: str, workdir: Path) -> None:
        self.account = account
        self.region = region
        self.workdir = workdir
        self.log_path = workdir / "emulator.log"
        self.cdk_home = workdir / "cdk-home"
        self.port: int | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._clients: dict[tuple[str, str], Any] = {}

    def start(self) -> None:
        """Start the server on a free loopback port; forget the CLI's cached account (the server is new)."""
        (self.cdk_home / "cache" / "accounts_partitions.json").unlink(missing_ok=True)
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen([sys.executable, "-m", "tests.rehearse.server", self.account],
                                             cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            for line in self.log_path.read_text(errors="replace").splitlines():
                if line.startswith("port="):
                    self.port = int(line.removeprefix("port="))
                    return
            if self._process.poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        raise EmulatorError(f"the emulator did not start; see {self.log_path}:\n{self.log_tail()}")

    def stop(self) -> None:
        """Terminate the server process this object started (its state is thrown away with it)."""
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's log: where moto's own errors and tracebacks are."""
        if not self.log_path.is_file():
            return ""
        kept = [line for line in self.log_path.read_text(errors="replace").splitlines()
                if not line.startswith("127.0.0.1 - -")]  # request lines
        return "\n".join(kept[-lines:])

    @property
    def endpoint(self) -> str:
        if self.port is None:
            raise EmulatorError("the emulator is not running")
        # `localhost`, not 127.0.0.1: moto routes S3 requests by host name.
        return f"http://localhost:{self.port}"

    def environment(self) -> dict[str, str]:
        """The calling environment without its AWS settings, plus fake credentials pointing at the emulator."""
        empty = self.workdir / "empty-aws-config"
        empty.touch()
        inherited = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "CDK_"))}
        return {
            **inherited,
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": "rehearsal",
            "AWS_SECRET_ACCESS_KEY": "rehearsal",
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_CONFIG_FILE": str(empty),
            "AWS_SHARED_CREDENTIALS_FILE": str(empty),
            "AWS_EC2_METADATA_DISABLED": "true",
            "CDK_HOME": str(self.cdk_home),
            "CDK_DISABLE_VERSION_CHECK": "1",
            "CDK_DISABLE_CLI_TELEMETRY": "true",
            "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        }

    def client(self, service: str, region: str | None = None) -> Any:
        """A boto3 client of the emulator (fake credentials, never the caller's), one per service and region."""
        key = (service, region or self.region)
        if key not in self._clients:
            session = boto3.session.Session(aws_access_key_id="rehearsal", aws_secret_access_key="rehearsal",
                                            region_name=key[1])
            self._clients[key] = session.client(service, endpoint_url=self.endpoint)  # type: ignore[call-overload]
        return self._clients[key]
