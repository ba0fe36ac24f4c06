"""Render an instance's boot script from config: pure (no CDK), so it is unit- and shellcheck-tested.

The shell body lives beside this file (`user_data.sh`); only a block of quoted, read-only
settings is generated, so no config value is ever spliced into shell syntax.
"""

from __future__ import annotations

import math
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from fmkit.config.providers.graviton import GravitonDeployment
from fmkit.contracts.metrics import GRAVITON_NAMESPACE

TEMPLATE = Path(__file__).with_name("user_data.sh")
PLACEHOLDER = "# @@SETTINGS@@"
MODEL_DIR = "/opt/models"
API_KEY_FILE = "/etc/llama-server/api-key"

# Boot budget (seconds) behind the health-check grace period. Measured paths, not guesses:
# EC2 boot + cloud-init ~40 s, CloudWatch agent install ~20 s, llama.cpp tarball < 5 s.
FIXED_BOOT_SECONDS = 90
# The GGUF is read twice (S3 -> gp3, gp3 -> page cache) at the root volume's throughput.
ROOT_THROUGHPUT_MIBPS = 250
ROOT_IOPS = 3000
# Root volume: AL2023 (~2 GiB) + llama.cpp + logs, plus the model and a partial copy margin.
ROOT_BASE_GIB = 16


def root_volume_gib(model_size_gib: float) -> int:
    """gp3 root size: OS and logs plus the model with 25% margin, at least 30 GiB."""
    return max(30, ROOT_BASE_GIB + math.ceil(model_size_gib * 1.25))


def boot_seconds(model_size_gib: float) -> int:
    """Worst-case seconds from launch to a loaded model (copy + load at the volume's throughput)."""
    transfer = 2 * model_size_gib * 1024 / ROOT_THROUGHPUT_MIBPS
    return FIXED_BOOT_SECONDS + math.ceil(transfer)


def health_check_grace_seconds(model_size_gib: float) -> int:
    """ASG grace before ELB health counts: the boot budget plus 50%, rounded up to 30 s."""
    return 30 * math.ceil(boot_seconds(model_size_gib) * 1.5 / 30)


def model_file_name(deployment: GravitonDeployment) -> str:
    model = deployment.model
    source = model.hf.file if model.hf is not None else str(model.s3_uri)
    return source.rsplit("/", 1)[-1]


def server_args(name: str, deployment: GravitonDeployment, vcpus: int) -> list[str]:
    """llama-server command line: kit-managed flags first, then the allow-listed extras."""
    server = deployment.server
    args = [
        "--model", f"{MODEL_DIR}/{model_file_name(deployment)}",
        "--host", "0.0.0.0",
        "--port", str(server.port),
        "--ctx-size", str(server.context_size),
        "--parallel", str(server.parallel),
        "--threads", str(server.threads or vcpus),
        "--alias", name,
        "--metrics",
        "--timeout", str(server.max_generation_seconds),
    ]
    if server.api_key_secret_arn:
        args += ["--api-key-file", API_KEY_FILE]
    for flag, value in server.extra_flags.items():
        args += [flag] if value is True else [flag, str(value)]
    return args


@dataclass(frozen=True)
class BootSettings:
    """Everything the boot script needs; strings may hold CDK tokens (resolved at deploy)."""

    project: str
    environment: str
    deployment: str
    region: str
    llama_cpp_version: str
    llama_tarball_uri: str
    model_uri: str
    model_file: str
    port: int
    args: list[str]
    log_group: str
    boot_timeout_seconds: int
    publish_concurrency: bool
    api_key_secret_arn: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def variables(self) -> dict[str, str]:
        return {
            "PROJECT": self.project,
            "ENVIRONMENT": self.environment,
            "DEPLOYMENT": self.deployment,
            "REGION": self.region,
            "LLAMA_CPP_VERSION": self.llama_cpp_version,
            "LLAMA_TARBALL_URI": self.llama_tarball_uri,
            "MODEL_URI": self.model_uri,
            "MODEL_FILE": self.model_file,
            "PORT": str(self.port),
            "LLAMA_ARGS": " ".join(self.args),
            "LOG_GROUP": self.log_group,
            "BOOT_TIMEOUT_SECONDS": str(self.boot_timeout_seconds),
            "PUBLISH_CONCURRENCY": "1" if self.publish_concurrency else "0",
            "METRIC_NAMESPACE": GRAVITON_NAMESPACE,
            "API_KEY_SECRET_ARN": self.api_key_secret_arn or "",
        }


def render_user_data(settings: BootSettings) -> str:
    """The complete boot script: the template with its settings block filled in."""
    for arg in settings.args:
        if any(ch in arg for ch in " \t\n\"'\\$`"):
            raise ValueError(f"llama-server argument {arg!r} would need quoting")
    lines = [f"readonly {key}={shlex.quote(value)}" for key, value in settings.variables().items()]
    template = TEMPLATE.read_text(encoding="utf-8")
    if template.count(PLACEHOLDER) != 1:
        raise ValueError(f"{TEMPLATE.name} must contain {PLACEHOLDER!r} exactly once")
    return template.replace(PLACEHOLDER, "\n".join(lines))
