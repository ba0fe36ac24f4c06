"""Render an instance's boot script from config: pure (no CDK), so it is unit-, shellcheck- and
runtime-tested (the script's functions run against stand-ins for `aws` and the metadata service).

The shell body lives beside this file (`user_data.sh`); only a block of quoted, read-only
settings is generated, so no config value is ever spliced into shell syntax.

Timing, and why each number follows from another:
- the boot budget (`boot_timeout_seconds`) is what the script allows itself from its start to
  `/health` 200: a fixed part plus three passes over the GGUF at the root volume's throughput
  (S3 copy, sha256 check, load), doubled;
- the launch lifecycle hook's heartbeat (`lifecycle_heartbeat_seconds`) is that budget plus the
  OS boot before the script and the completion call, so the script always decides (CONTINUE once
  healthy, ABANDON when the budget is spent) before the hook's default result (ABANDON) fires;
- the health-check grace period starts only when the instance enters InService, which the hook
  holds back until `/health` is 200 (AWS: with launch hooks the grace can be 0), so it covers just
  the target group's first checks (`health_check_grace_seconds`), not the boot.
"""

from __future__ import annotations

import math
import shlex
from dataclasses import dataclass
from pathlib import Path

from fmkit.config.providers.graviton import GravitonDeployment
from fmkit.contracts.metrics import GRAVITON_NAMESPACE

TEMPLATE = Path(__file__).with_name("user_data.sh")
PLACEHOLDER = "# @@SETTINGS@@"
MODEL_DIR = "/opt/models"
LLAMA_HOME = "/opt/llama.cpp"
CONF_DIR = "/etc/llama-server"
API_KEY_FILE = f"{CONF_DIR}/api-key"
LIFECYCLE_HOOK_NAME = "fmkit-serving-ready"
LIFECYCLE_POLL_SECONDS = 10

# EC2 boot + cloud-init + CloudWatch agent install + llama.cpp tarball (measured paths, not guesses:
# ~40 s, ~20 s, < 5 s) with room to spare.
FIXED_BOOT_SECONDS = 90
# The GGUF passes the root volume three times: S3 -> gp3, the sha256 check, the load.
MODEL_PASSES = 3
ROOT_THROUGHPUT_MIBPS = 250
ROOT_IOPS = 3000
# Root volume: AL2023 (~2 GiB) + llama.cpp + logs, plus the model and a partial copy margin.
ROOT_BASE_GIB = 16
# What the hook's heartbeat allows beyond the script's budget: the OS boot before the script starts
# and the complete-lifecycle-action call (with its retries).
HOOK_MARGIN_SECONDS = 120
MAX_HEARTBEAT_SECONDS = 7200  # EC2 Auto Scaling's limit for a lifecycle hook's heartbeat timeout

# Target group health check (the load balancer's view once the instance is InService).
HEALTH_INTERVAL_SECONDS = 15
HEALTH_TIMEOUT_SECONDS = 5
HEALTHY_THRESHOLD = 2
UNHEALTHY_THRESHOLD = 3


def root_volume_gib(model_size_gib: float) -> int:
    """gp3 root size: OS and logs plus the model with 25% margin, at least 30 GiB."""
    return max(30, ROOT_BASE_GIB + math.ceil(model_size_gib * 1.25))


def boot_seconds(model_size_gib: float) -> int:
    """Expected seconds from the script's start to a loaded model (passes at the volume's throughput)."""
    transfer = MODEL_PASSES * model_size_gib * 1024 / ROOT_THROUGHPUT_MIBPS
    return FIXED_BOOT_SECONDS + math.ceil(transfer)


def boot_timeout_seconds(model_size_gib: float) -> int:
    """The script's own budget: twice the expected boot, in 30 s steps, within the hook's limit."""
    budget = 30 * math.ceil(2 * boot_seconds(model_size_gib) / 30)
    return min(budget, MAX_HEARTBEAT_SECONDS - HOOK_MARGIN_SECONDS)


def lifecycle_heartbeat_seconds(model_size_gib: float) -> int:
    """The launch hook's heartbeat timeout: the script's budget plus the OS boot and the completion."""
    return boot_timeout_seconds(model_size_gib) + HOOK_MARGIN_SECONDS


def health_check_grace_seconds() -> int:
    """Grace after InService: the target group's first healthy verdict, rounded up to 30 s."""
    first_verdict = HEALTHY_THRESHOLD * HEALTH_INTERVAL_SECONDS + HEALTH_TIMEOUT_SECONDS
    return 30 * math.ceil(first_verdict / 30)


def model_file_name(deployment: GravitonDeployment) -> str:
    model = deployment.model
    if model.customization is not None:  # one local name for the initial GGUF and every promoted one
        return f"{model.customization}.gguf"
    source = model.hf.file if model.hf is not None else str(model.s3_uri)
    return source.rsplit("/", 1)[-1]


def server_args(name: str, deployment: GravitonDeployment, vcpus: int) -> list[str]:
    """llama-server command line: kit-managed flags first, then the allow-listed extras.

    `--n-predict` is the answer length of requests that send no `max_tokens` (a request's own
    value wins: llama-server gives the per-request limit priority); every answer stops at its
    slot's context, `--ctx-size` / `--parallel` tokens with the prompt (context shift stays off).
    `--cache-ram` caps the prompt cache the memory check counts; the web UI is off (it is served
    without the key); `--api-key-file` reads the key the boot script wrote from Secrets Manager.
    """
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
        "--n-predict", str(server.default_max_tokens),
        "--cache-ram", str(server.cache_ram_mib),
        "--no-webui",
    ]
    if server.require_api_key:
        args += ["--api-key-file", API_KEY_FILE]
    for flag, value in server.extra_flags.items():
        args += [flag] if value is True else [flag, str(value)]
    return args


@dataclass(frozen=True)
class BootSettings:
    """Everything the boot script needs; strings may hold CDK tokens (resolved at deploy).

    The directories default to the instance's; tests point them at temporary ones.
    """

    project: str
    environment: str
    deployment: str
    region: str
    llama_cpp_version: str
    llama_build_id: str
    llama_tarball_uri: str
    model_uri: str
    model_file: str
    model_sha256: str | None
    port: int
    args: list[str]
    log_group: str
    boot_timeout_seconds: int
    publish_concurrency: bool
    group_name: str
    api_key_secret_arn: str | None = None
    lifecycle_hook: str = LIFECYCLE_HOOK_NAME
    lifecycle_poll_seconds: int = LIFECYCLE_POLL_SECONDS
    model_dir: str = MODEL_DIR
    llama_home: str = LLAMA_HOME
    conf_dir: str = CONF_DIR

    def variables(self) -> dict[str, str]:
        return {
            "PROJECT": self.project,
            "ENVIRONMENT": self.environment,
            "DEPLOYMENT": self.deployment,
            "REGION": self.region,
            "LLAMA_CPP_VERSION": self.llama_cpp_version,
            "LLAMA_BUILD_ID": self.llama_build_id,
            "LLAMA_TARBALL_URI": self.llama_tarball_uri,
            "MODEL_URI": self.model_uri,
            "MODEL_FILE": self.model_file,
            "MODEL_SHA256": self.model_sha256 or "",
            "PORT": str(self.port),
            "LLAMA_ARGS": " ".join(self.args),
            "LOG_GROUP": self.log_group,
            "BOOT_TIMEOUT_SECONDS": str(self.boot_timeout_seconds),
            "PUBLISH_CONCURRENCY": "1" if self.publish_concurrency else "0",
            "METRIC_NAMESPACE": GRAVITON_NAMESPACE,
            "API_KEY_SECRET_ARN": self.api_key_secret_arn or "",
            "GROUP_NAME": self.group_name,
            "LIFECYCLE_HOOK": self.lifecycle_hook,
            "LIFECYCLE_POLL_SECONDS": str(self.lifecycle_poll_seconds),
            "MODEL_DIR": self.model_dir,
            "LLAMA_HOME": self.llama_home,
            "CONF_DIR": self.conf_dir,
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
