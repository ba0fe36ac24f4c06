"""Run the Graviton boot script's functions for real, in bash, against stand-ins for what only an
EC2 instance has: `aws` (S3 from a local folder, the secret from a file, Auto Scaling calls
recorded), the instance metadata service (behind `curl`; every other URL goes to the real curl),
`chown` (no `llama` group here) and `sleep` (shortened, so polling loops run fast).

The script is rendered by `render_user_data` exactly as for an instance, with its directories
pointed at a temporary folder, and sourced without its final `main "$@"` line.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from fmkit.config.providers.graviton import GravitonDeployment
from stacks.graviton.user_data import BootSettings, render_user_data, server_args

INSTANCE_ID = "i-0123456789abcdef0"
GROUP = "demo-dev-llm"
BUCKET = "fmkit-models"

AWS_STUB = """#!{python}
import json, os, shutil, sys
from pathlib import Path
args = sys.argv[1:]
home = Path(os.environ["FAKE_AWS_HOME"])
with (home / "calls.jsonl").open("a") as calls:
    calls.write(json.dumps(args) + "\\n")
if args[:2] == ["s3", "cp"]:
    source, target = args[-2:]
    key = source.removeprefix("s3://{bucket}/")
    if not (home / "s3" / key).is_file():
        sys.exit("fatal error: An error occurred (404) when calling the HeadObject operation")
    shutil.copyfile(home / "s3" / key, target)
elif args[:2] == ["secretsmanager", "get-secret-value"]:
    sys.stdout.write((home / "secret").read_text())
elif args[:2] == ["autoscaling", "complete-lifecycle-action"]:
    code = home / "complete-exit-code"
    sys.exit(int(code.read_text()) if code.exists() else 0)
"""

CURL_STUB = """#!/bin/bash
for arg in "$@"; do
  case "$arg" in
    *169.254.169.254/latest/api/token) echo "imds-token"; exit 0 ;;
    *169.254.169.254/latest/meta-data/instance-id) echo -n "{instance}"; exit 0 ;;
    *169.254.169.254/latest/meta-data/autoscaling/target-lifecycle-state)
      if [ -f "$FAKE_AWS_HOME/target" ]; then cat "$FAKE_AWS_HOME/target"; exit 0; fi
      exit 22 ;;
  esac
done
exec {curl} "$@"
"""


def deployment(**server: Any) -> GravitonDeployment:
    return GravitonDeployment.model_validate({
        "provider": "ec2-graviton", "instance_type": "c7g.xlarge", "server": server,
        "model": {"hf": {"repo": "a/b", "file": "model.gguf"}, "size_gib": 0.1, "quantization": "Q4_0"}})


@dataclass
class Boot:
    """One instance's worth of folders, stand-ins and the rendered script library."""

    root: Path
    library: Path
    env: dict[str, str]

    @property
    def home(self) -> Path:
        return Path(self.env["FAKE_AWS_HOME"])

    def put_object(self, key: str, data: bytes) -> None:
        path = self.home / "s3" / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    def set_secret(self, text: str) -> None:
        (self.home / "secret").write_text(text)

    def set_target(self, state: str) -> None:
        (self.home / "target").write_text(state)

    def calls(self, *prefix: str) -> list[list[str]]:
        path = self.home / "calls.jsonl"
        found = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
        return [call for call in found if call[:len(prefix)] == list(prefix)]

    def command(self, snippet: str) -> list[str]:
        return ["bash", "-c", f'source "{self.library}"\n{snippet}']

    def run(self, snippet: str, *, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.command(snippet), env=self.env, capture_output=True, text=True,
                              timeout=timeout, check=False)

    def start(self, snippet: str) -> subprocess.Popen[str]:
        return subprocess.Popen(self.command(snippet), env=self.env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)


def make_boot(root: Path, *, port: int, model_sha256: str | None = None, boot_timeout_seconds: int = 30,
              api_key: bool = True, llama_build_id: str = "abc123 armv8.4-a") -> Boot:
    dirs = {name: root / name for name in ("models", "llama.cpp", "conf", "bin", "aws")}
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    settings = BootSettings(
        project="demo", environment="dev", deployment="llm", region="eu-west-1", llama_cpp_version="0.3.36",
        llama_build_id=llama_build_id, llama_tarball_uri=f"s3://{BUCKET}/llama.cpp/llama-cpp.tar.gz",
        model_uri=f"s3://{BUCKET}/models/model.gguf", model_file="model.gguf", model_sha256=model_sha256,
        port=port, args=server_args("llm", deployment(), 2), log_group="/fmkit/demo/dev/graviton/llm",
        boot_timeout_seconds=boot_timeout_seconds, publish_concurrency=False, group_name=GROUP,
        api_key_secret_arn="arn:aws:secretsmanager:eu-west-1:111111111111:secret:k-AbCdEf" if api_key else None,
        lifecycle_poll_seconds=1, model_dir=str(dirs["models"]), llama_home=str(dirs["llama.cpp"]),
        conf_dir=str(dirs["conf"]),
    )
    script = render_user_data(settings)
    body, call = script.rstrip("\n").rsplit("\n", 1)
    assert call == 'main "$@"', "the boot script must end by calling main"
    library = root / "boot-library.sh"
    library.write_text(body + "\n")
    _write_stub(dirs["bin"] / "aws", AWS_STUB.format(python=sys.executable, bucket=BUCKET))
    _write_stub(dirs["bin"] / "curl", CURL_STUB.format(instance=INSTANCE_ID, curl=shutil.which("curl")))
    _write_stub(dirs["bin"] / "chown", "#!/bin/bash\nexit 0\n")
    _write_stub(dirs["bin"] / "sleep", f"#!/bin/bash\nexec {shutil.which('sleep')} 0.05\n")
    env = {**os.environ, "PATH": f"{dirs['bin']}:{os.environ['PATH']}", "FAKE_AWS_HOME": str(dirs["aws"])}
    return Boot(root=root, library=library, env=env)


def _write_stub(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o755)


class HealthEndpoint:
    """GET /health answering the statuses in `answers` in turn (the last one forever)."""

    def __init__(self, answers: list[int]) -> None:
        self.answers = list(answers)
        self.seen = 0

    def status(self) -> int:
        index = min(self.seen, len(self.answers) - 1)
        self.seen += 1
        return self.answers[index]


@contextmanager
def health_server(answers: list[int]) -> Iterator[tuple[int, HealthEndpoint]]:
    endpoint = HealthEndpoint(answers)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status = endpoint.status() if self.path == "/health" else 404
            self.send_response(status)
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *_: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1]), endpoint
    finally:
        server.shutdown()
        server.server_close()
