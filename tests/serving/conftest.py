"""The real llama.cpp server serving a real small model, started exactly as an instance starts it.

`make test-serving` builds llama-server from the pinned llama.cpp source (cached outside the
clone) and fetches SmolLM2-135M-Instruct, then runs these tests with `FMKIT_LLAMA_SERVER` and
`FMKIT_SERVING_MODEL` set. The command line is the one the Graviton user data renders for the
default config's first Graviton deployment, with only the model path and the host substituted
(and threads, which an instance sets to its vCPU count).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from fmkit.config.providers.graviton import GravitonDeployment
from fmkit.validate import load_validated
from stacks.graviton.user_data import MODEL_DIR, model_file_name, server_args

ROOT = Path(__file__).resolve().parents[2]
API_KEY = "serving-test-key-0123456789"
SUMMARY: dict[str, str] = {}


@dataclass
class ServerProcess:
    """A running llama-server and what the tests learned while it started."""

    base_url: str
    args: list[str]
    process: subprocess.Popen[bytes]
    log: Path
    health_sequence: list[tuple[int | str, float]] = field(default_factory=list)

    def request(self, path: str, *, key: str | None = API_KEY, body: bytes | None = None,
                headers: dict[str, str] | None = None, timeout: float = 120) -> tuple[int, bytes]:
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        if key is not None:
            all_headers["Authorization"] = f"Bearer {key}"
        req = urllib.request.Request(self.base_url + path, data=body, headers=all_headers)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()


def _required_path(variable: str) -> Path:
    value = os.environ.get(variable)
    if not value or not Path(value).is_file():
        pytest.fail(f"{variable} is not set to a file: run `make test-serving` (it builds and fetches the real parts)")
    return Path(value)


@pytest.fixture(scope="session")
def llama_server_binary() -> Path:
    return _required_path("FMKIT_LLAMA_SERVER")


@pytest.fixture(scope="session")
def serving_model() -> Path:
    return _required_path("FMKIT_SERVING_MODEL")


@pytest.fixture(scope="session")
def graviton_deployment() -> tuple[str, GravitonDeployment]:
    """The default config's first Graviton deployment in its first environment."""
    loaded = load_validated(ROOT / "model_configs")
    for env_name in loaded.names:
        found = loaded.environment(env_name).deployments_of(GravitonDeployment)
        if found:
            name = sorted(found)[0]
            return name, found[name]
    pytest.fail("the default config has no Graviton deployment to serve")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rendered_command(binary: Path, model: Path, name: str, deployment: GravitonDeployment, port: int,
                     key_file: Path) -> list[str]:
    """The user data's llama-server command line with this machine's paths, host, port and threads."""
    args = server_args(name, deployment, os.cpu_count() or 2)
    substitutions = {f"{MODEL_DIR}/{model_file_name(deployment)}": str(model), "0.0.0.0": "127.0.0.1",
                     str(deployment.server.port): str(port)}
    out = [substitutions.get(arg, arg) for arg in args]
    if "--api-key-file" in out:
        out[out.index("--api-key-file") + 1] = str(key_file)
    return [str(binary), *out]


def watch_health(base_url: str, process: subprocess.Popen[bytes], deadline_s: float) -> list[tuple[int | str, float]]:
    """Poll /health until 200, recording each change of answer (connection refused, 503, 200)."""
    started = time.monotonic()
    seen: list[tuple[int | str, float]] = []
    while time.monotonic() - started < deadline_s and process.poll() is None:
        try:
            with urllib.request.urlopen(base_url + "/health", timeout=2) as response:
                answer: int | str = response.status
        except urllib.error.HTTPError as exc:
            answer = exc.code
        except OSError as exc:
            answer = type(exc).__name__
        if not seen or seen[-1][0] != answer:
            seen.append((answer, round(time.monotonic() - started, 3)))
        if answer == 200:
            break
        time.sleep(0.005)
    return seen


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, llama_server_binary: Path, serving_model: Path,
           graviton_deployment: tuple[str, GravitonDeployment]) -> Iterator[ServerProcess]:
    name, deployment = graviton_deployment
    workdir = tmp_path_factory.mktemp("llama-server")
    key_file = workdir / "api-key"
    key_file.write_text(API_KEY + "\n")
    port = free_port()
    command = rendered_command(llama_server_binary, serving_model, name, deployment, port, key_file)
    log = workdir / "llama-server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    running = ServerProcess(base_url, command[1:], process, log)
    running.health_sequence = watch_health(base_url, process, deadline_s=120)
    if not running.health_sequence or running.health_sequence[-1][0] != 200:
        process.terminate()
        pytest.fail(f"llama-server never became healthy: {running.health_sequence}\n{log.read_text()[-3000:]}")
    SUMMARY["health"] = " → ".join(f"{answer}@{at:.2f}s" for answer, at in running.health_sequence)
    yield running
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    passed = len(terminalreporter.stats.get("passed", []))
    failed = len(terminalreporter.stats.get("failed", [])) + len(terminalreporter.stats.get("error", []))
    details = ", ".join(f"{key} {value}" for key, value in SUMMARY.items())
    binary = os.environ.get("FMKIT_LLAMA_SERVER", "?")
    version = ""
    if shutil.which(binary) or Path(binary).is_file():
        result = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False)
        version = " ".join(line for line in (result.stdout + result.stderr).splitlines() if "version" in line)
    terminalreporter.write_line(
        f"serving: {passed} passed, {failed} failed; llama-server {version or binary}; {details}")
