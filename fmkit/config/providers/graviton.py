"""`provider: ec2-graviton` — llama.cpp on Graviton EC2 instances behind a load balancer.

Field shapes are checked here; checks that need the instance catalog, the region or the
platform network live in `fmkit/validate/graviton.py`, which points at the exact key.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Literal

from pydantic import Field, PositiveFloat, field_validator, model_validator

from fmkit.catalog.llama_cpp import default_llama_cpp_version, get_llama_cpp_build, known_llama_cpp_versions
from fmkit.config.base import Name, Strict, config_error
from fmkit.config.deployment_base import CapacityChange, DeploymentBase
from fmkit.config.diagnostics import did_you_mean

S3_GGUF_RE = re.compile(r"^s3://[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]/[^\s'\"]+\.gguf$")
HF_REPO_RE = re.compile(r"^[A-Za-z0-9][\w.\-]{0,95}/[\w.\-]{1,96}$")
HF_FILE_RE = re.compile(r"^[\w.\-/]+\.gguf$")
HF_REVISION_RE = re.compile(r"^[\w.\-/]{1,128}$")
SECRET_ARN_RE = re.compile(r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+$")
KMS_ARN_RE = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[0-9a-f-]{36}$")
ACM_ARN_RE = re.compile(r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]{36}$")
QUANT_RE = re.compile(r"^(I?Q[1-8](_[A-Z0-9]+)*|F16|BF16|F32)$", re.IGNORECASE)
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
SECURITY_GROUP_RE = re.compile(r"^sg-[0-9a-f]{8,17}$")
# EventBridge-style cron used by ASG scheduled actions: minute hour day-of-month month day-of-week.
CRON_RE = re.compile(r"^\S+ \S+ \S+ \S+ \S+$")
FLAG_VALUE_RE = re.compile(r"^[A-Za-z0-9._:,/+=-]{1,200}$")
DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")

# llama-server flags a config may add: "switch" takes no value, "value" takes one. Every name
# here and in MANAGED_FLAGS is checked against the pinned binary's --help by `make test-serving`.
ALLOWED_FLAGS: dict[str, Literal["switch", "value"]] = {
    "--flash-attn": "value", "--cache-type-k": "value", "--cache-type-v": "value",
    "--batch-size": "value", "--ubatch-size": "value", "--threads-batch": "value",
    "--keep": "value", "--cache-reuse": "value", "--load-mode": "value",
    "--chat-template": "value", "--reasoning-format": "value", "--numa": "value",
    "--rope-scaling": "value", "--rope-freq-base": "value", "--rope-freq-scale": "value",
    "--temp": "value", "--top-k": "value", "--top-p": "value", "--min-p": "value",
    "--repeat-penalty": "value", "--seed": "value", "--slot-prompt-similarity": "value",
    "--jinja": "switch", "--no-jinja": "switch",
    "--no-warmup": "switch", "--cont-batching": "switch", "--no-cont-batching": "switch",
    "--swa-full": "switch", "--kv-unified": "switch",
}
# Flags the kit renders itself (and their short forms), with the config field that sets them.
MANAGED_FLAGS = {
    "-m": "model", "--model": "model", "--host": "exposure", "--port": "server.port",
    "-c": "server.context_size", "--ctx-size": "server.context_size",
    "-np": "server.parallel", "--parallel": "server.parallel",
    "-t": "server.threads", "--threads": "server.threads", "--alias": "the deployment name",
    "--api-key": "server.require_api_key / server.api_key_secret_arn",
    "--api-key-file": "server.require_api_key / server.api_key_secret_arn",
    "--metrics": "the kit (always on)",
    "-n": "server.default_max_tokens", "--predict": "server.default_max_tokens",
    "--n-predict": "server.default_max_tokens",
    "-cram": "server.cache_ram_mib", "--cache-ram": "server.cache_ram_mib",
    "--ui": "the kit (the web UI is always off)", "--webui": "the kit (the web UI is always off)",
    "--no-ui": "the kit (the web UI is always off)", "--no-webui": "the kit (the web UI is always off)",
}


class HuggingFaceGguf(Strict):
    """A GGUF on the Hugging Face Hub, copied once at deploy time into the kit's model bucket."""

    repo: str = Field(description="Hub repository, e.g. bartowski/Llama-3.2-3B-Instruct-GGUF.")
    file: str = Field(description="GGUF file in the repository, e.g. Llama-3.2-3B-Instruct-Q4_0.gguf.")
    revision: str = Field(default="main", description="Branch, tag or commit; pin a commit for reproducible deploys.")
    token_secret_arn: str | None = Field(
        default=None, description="Secrets Manager ARN of a Hub token (gated repositories); plain string secret."
    )

    @field_validator("repo")
    @classmethod
    def _repo(cls, value: str) -> str:
        if not HF_REPO_RE.match(value):
            raise config_error(f"'{value}' is not a Hub repository id",
                               "write owner/name, e.g. bartowski/Qwen2.5-7B-Instruct-GGUF")
        return value

    @field_validator("file")
    @classmethod
    def _file(cls, value: str) -> str:
        if not HF_FILE_RE.match(value) or ".." in value:
            raise config_error(f"'{value}' is not a .gguf file name", "llama.cpp serves GGUF files only")
        return value

    @field_validator("revision")
    @classmethod
    def _revision(cls, value: str) -> str:
        if not HF_REVISION_RE.match(value) or ".." in value:
            raise config_error(f"'{value}' is not a revision", "a branch, tag or 40-hex commit")
        return value

    @field_validator("token_secret_arn")
    @classmethod
    def _token(cls, value: str | None) -> str | None:
        return _secret_arn(value)


class GgufModel(Strict):
    """Which GGUF file to serve: your own S3 object, or a Hub file the kit copies once."""

    s3_uri: str | None = Field(default=None, description="s3://bucket/key.gguf of a GGUF you uploaded.")
    hf: HuggingFaceGguf | None = Field(default=None, description="Hub file copied at deploy time (not at boot).")
    sha256: str | None = Field(
        default=None,
        description="SHA-256 of the GGUF (64 hex; the Hub shows it on the file's page). Checked after the "
        "deploy-time download and on every instance boot; without it only the GGUF magic bytes are checked.",
    )
    size_gib: PositiveFloat = Field(description="GGUF file size in GiB: sizes the root volume and the memory check.")
    quantization: str = Field(description="Quantization recorded for the plan, e.g. Q4_0, Q4_K_M, Q8_0.")
    kms_key_arn: str | None = Field(
        default=None, description="KMS key of the s3_uri object when it is SSE-KMS encrypted with your own key."
    )
    customization: Name | None = Field(
        default=None,
        description="A sagemaker-peft customization (project.customizations) whose promoted GGUF replaces this "
        "model: s3_uri/hf serves until the first promotion, then each promotion rolls out as a stack update.",
    )

    @field_validator("sha256")
    @classmethod
    def _sha256(cls, value: str | None) -> str | None:
        if value is not None and not SHA256_RE.match(value.lower()):
            raise config_error(f"'{value}' is not a SHA-256 digest", "64 hex characters, as the Hub shows for the file")
        return None if value is None else value.lower()

    @field_validator("s3_uri")
    @classmethod
    def _s3_uri(cls, value: str | None) -> str | None:
        if value is not None and not S3_GGUF_RE.match(value):
            raise config_error(f"'{value}' is not an s3:// URI of a .gguf object", "e.g. s3://my-models/llama/model-Q4_0.gguf")
        return value

    @field_validator("quantization")
    @classmethod
    def _quantization(cls, value: str) -> str:
        if not QUANT_RE.match(value):
            raise config_error(f"'{value}' is not a GGUF quantization", "e.g. Q4_0, Q4_K_M, Q5_K_M, Q8_0, F16")
        return value.upper()

    @field_validator("kms_key_arn")
    @classmethod
    def _kms(cls, value: str | None) -> str | None:
        if value is not None and not KMS_ARN_RE.match(value):
            raise config_error(f"'{value}' is not a KMS key ARN", "arn:aws:kms:<region>:<account>:key/<uuid>")
        return value

    @model_validator(mode="after")
    def _one_source(self) -> GgufModel:
        if (self.s3_uri is None) == (self.hf is None):
            raise config_error(
                "set exactly one of 's3_uri' or 'hf'",
                "s3_uri serves a GGUF you uploaded; hf copies a Hub file into the kit's bucket at deploy time",
            )
        if self.kms_key_arn is not None and self.s3_uri is None:
            raise config_error("'kms_key_arn' only applies to 's3_uri'", "the kit's own bucket uses the platform key")
        return self


class ServerConfig(Strict):
    """How llama-server runs on each instance."""

    context_size: int = Field(default=8192, ge=512, le=1_048_576, description="Total context (shared by the slots).")
    parallel: int = Field(default=2, ge=1, le=64, description="Parallel slots (concurrent generations per instance).")
    threads: int | None = Field(default=None, ge=1, description="Generation threads; omitted means all vCPUs.")
    port: int = Field(default=8080, ge=1024, le=65535, description="Port llama-server listens on (targets).")
    default_max_tokens: int = Field(
        default=1024, ge=1, le=1_048_576,
        description="Answer length for requests that send no max_tokens (--n-predict). A request's own "
        "max_tokens overrides it (llama-server gives the per-request limit priority); what bounds every "
        "request is its slot's context, context_size / parallel tokens, prompt included.",
    )
    cache_ram_mib: int = Field(
        default=1024, ge=0, le=1_048_576,
        description="Prompt cache cap in MiB (--cache-ram; 0 turns it off). llama-server's own default is "
        "8192 and the cache grows with every distinct long prompt; the memory check counts this cap.",
    )
    max_generation_seconds: int = Field(
        default=300, ge=10, le=3600,
        description="How long the load balancer waits for one answer: the ALB idle timeout (this + 30 s) and "
        "the deregistration delay. It stops no generation (the slot's context and max_tokens do).",
    )
    require_api_key: bool = Field(
        default=True,
        description="Clients must send an API key; the kit generates one in Secrets Manager "
        "(JSON {\"api_key\": ...}) unless api_key_secret_arn names yours. false: no key (not for public).",
    )
    api_key_secret_arn: str | None = Field(
        default=None,
        description="Secrets Manager ARN of your own API key (the bare key, or JSON with an api_key field) "
        "instead of the generated one.",
    )
    extra_flags: dict[str, str | int | float | bool] = Field(
        default_factory=dict, description="More llama-server flags from an allow-list; true for switches."
    )
    llama_cpp_version: str = Field(
        default=default_llama_cpp_version(),
        description="Pinned llama.cpp source built at deploy time: a version of the catalog "
        "fmkit/catalog/data/llama_cpp.json (a llama-cpp-python sdist by URL and sha256).",
    )

    @field_validator("api_key_secret_arn")
    @classmethod
    def _api_key(cls, value: str | None) -> str | None:
        return _secret_arn(value)

    @field_validator("llama_cpp_version")
    @classmethod
    def _version(cls, value: str) -> str:
        if get_llama_cpp_build(value) is None:
            raise config_error(
                f"'{value}' is not a pinned llama.cpp source",
                f"known: {', '.join(known_llama_cpp_versions())}; to add one, record the llama-cpp-python sdist's "
                "URL and sha256 in fmkit/catalog/data/llama_cpp.json (its notes say how)",
            )
        return value

    @field_validator("extra_flags")
    @classmethod
    def _flags(cls, value: dict[str, str | int | float | bool]) -> dict[str, str | int | float | bool]:
        for flag, arg in value.items():
            if flag in MANAGED_FLAGS:
                raise config_error(f"'{flag}' is set by the kit", f"use {MANAGED_FLAGS[flag]} instead")
            kind = ALLOWED_FLAGS.get(flag)
            if kind is None:
                hint = did_you_mean(flag, list(ALLOWED_FLAGS)) or f"allowed: {', '.join(sorted(ALLOWED_FLAGS))}"
                raise config_error(f"unknown llama-server flag '{flag}'", hint)
            if kind == "switch" and arg is not True:
                raise config_error(f"'{flag}' is a switch", f"write '{flag}: true' or remove it")
            if kind == "value" and (isinstance(arg, bool) or not FLAG_VALUE_RE.match(str(arg))):
                raise config_error(f"'{flag}' needs a plain value, got {arg!r}", "letters, digits and . _ : , / + = -")
        return value

    @model_validator(mode="after")
    def _key_source(self) -> ServerConfig:
        if not self.require_api_key and self.api_key_secret_arn is not None:
            raise config_error("'api_key_secret_arn' is set but 'require_api_key' is false",
                               "remove one: the key is either required (yours or generated) or not used")
        return self


class WarmPool(Strict):
    """Pre-initialised stopped instances: scale-out skips the model copy, pays only for EBS."""

    min_size: int = Field(default=1, ge=0, description="Instances kept in the warm pool.")
    state: Literal["stopped", "running", "hibernated"] = Field(
        default="stopped",
        description="Pool instance state: stopped (pays for EBS only) or running; hibernated is refused by "
        "`fmkit validate` (see the rule graviton-warm-pool-not-hibernated).",
    )


class ScheduledScaling(Strict):
    """A recurring capacity change, e.g. min 0 at night in dev."""

    name: Name
    cron: str = Field(description="minute hour day-of-month month day-of-week, e.g. '0 20 * * MON-FRI'.")
    time_zone: str = Field(default="UTC", description="IANA time zone of the cron, e.g. Europe/Paris.")
    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0)
    desired: int | None = Field(default=None, ge=0)

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        if not CRON_RE.match(value.strip()):
            raise config_error(f"'{value}' is not a five-field cron", "minute hour day-of-month month day-of-week")
        return value.strip()

    @model_validator(mode="after")
    def _something(self) -> ScheduledScaling:
        if self.min is None and self.max is None and self.desired is None:
            raise config_error(f"schedule '{self.name}' changes nothing", "set at least one of min, max, desired")
        return self


class Autoscaling(Strict):
    """Instance count and the signal it tracks (CPU is useless: generation pins every core)."""

    min: int = Field(default=1, ge=0, le=100, description="Fewest instances (0 stops serving).")
    max: int = Field(default=2, ge=1, le=100, description="Most instances.")
    target_requests_per_instance: int | None = Field(
        default=None, ge=1, description="Target-track ALB RequestCountPerTarget (requests per minute per instance)."
    )
    target_concurrent_requests: float | None = Field(
        default=None, gt=0,
        description="Target-track llama-server requests processing + deferred per instance (custom metric).",
    )
    warm_pool: WarmPool | None = None
    schedules: list[ScheduledScaling] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Autoscaling:
        if self.min >= self.max:
            raise config_error(
                f"min ({self.min}) must be below max ({self.max})",
                "target tracking needs room to scale: raise max (use schedules to pin capacity at times)",
            )
        if self.target_requests_per_instance is not None and self.target_concurrent_requests is not None:
            raise config_error(
                "set only one of 'target_requests_per_instance' or 'target_concurrent_requests'",
                "a group tracks one signal; concurrent requests reacts better to long generations",
            )
        names = [s.name for s in self.schedules]
        if len(names) != len(set(names)):
            raise config_error("schedule names must be unique", "rename the duplicate")
        return self

    @property
    def warm_pool_prepared_capacity(self) -> int | None:
        """MaxGroupPreparedCapacity: the group's minimum plus the pool, never max − desired idle instances."""
        return None if self.warm_pool is None else self.min + self.warm_pool.min_size

    @property
    def requests_target(self) -> int | None:
        """ALB target, defaulting to 20 requests/minute when no signal is configured."""
        if self.target_concurrent_requests is not None:
            return None
        return self.target_requests_per_instance or 20


class Exposure(Strict):
    """Who can reach the endpoint: inside the VPC (default) or the internet over HTTPS."""

    mode: Literal["internal", "public"] = Field(default="internal", description="internal or public load balancer.")
    certificate_arn: str | None = Field(
        default=None, description="ACM certificate: HTTPS listener (required if public).")
    domain_name: str | None = Field(default=None, description="Name the certificate covers (used in base_url).")
    consumer_security_group_ids: list[str] = Field(
        default_factory=list,
        description="Security groups (in the environment's VPC) whose members may call the endpoint, besides "
        "the consumer group the kit creates for its own functions (output ConsumerSecurityGroupId).",
    )
    allowed_cidrs: list[str] | None = Field(
        default=None,
        description="Client networks allowed to the listener: required when public; internal admits none by "
        "default (only security groups), list on-premises or peered networks here.",
    )

    @field_validator("certificate_arn")
    @classmethod
    def _cert(cls, value: str | None) -> str | None:
        if value is not None and not ACM_ARN_RE.match(value):
            raise config_error(f"'{value}' is not an ACM certificate ARN",
                               "arn:aws:acm:<region>:<account>:certificate/<uuid>")
        return value

    @field_validator("domain_name")
    @classmethod
    def _domain(cls, value: str | None) -> str | None:
        if value is not None and not DOMAIN_RE.match(value):
            raise config_error(f"'{value}' is not a DNS name", "e.g. llm.example.com")
        return value

    @field_validator("consumer_security_group_ids")
    @classmethod
    def _security_groups(cls, value: list[str]) -> list[str]:
        for group in value:
            if not SECURITY_GROUP_RE.match(group):
                raise config_error(f"'{group}' is not a security group id", "e.g. sg-0123456789abcdef0")
        if len(set(value)) != len(value):
            raise config_error("consumer_security_group_ids lists a group twice", "remove the duplicate")
        return value

    @field_validator("allowed_cidrs")
    @classmethod
    def _cidrs(cls, value: list[str] | None) -> list[str] | None:
        for cidr in value or []:
            try:
                ipaddress.IPv4Network(cidr, strict=True)
            except ValueError as exc:
                raise config_error(f"'{cidr}' is not an IPv4 network", "e.g. 203.0.113.0/24") from exc
        return value

    @model_validator(mode="after")
    def _public_needs_tls(self) -> Exposure:
        if self.mode == "public" and self.certificate_arn is None:
            raise config_error(
                "public exposure requires 'certificate_arn'",
                "the endpoint carries prompts and API keys: add an ACM certificate for HTTPS, or use mode: internal",
            )
        if self.mode == "public" and not self.allowed_cidrs:
            raise config_error(
                "public exposure requires 'allowed_cidrs'",
                "list the client networks, e.g. [203.0.113.0/24]",
            )
        if self.domain_name is not None and self.certificate_arn is None:
            raise config_error("'domain_name' needs 'certificate_arn'", "the name is only used for HTTPS")
        return self


class Alarms(Strict):
    p95_response_seconds: PositiveFloat = Field(
        default=60.0, description="Alarm when target response time p95 exceeds.")
    errors_5xx: int = Field(default=5, ge=1, description="Alarm when 5xx responses (ALB + targets) in 5 minutes reach.")


class GravitonDeployment(DeploymentBase):
    provider: Literal["ec2-graviton"]
    instance_type: str = Field(description="Graviton instance type, e.g. c7g.2xlarge.")
    model: GgufModel
    server: ServerConfig = Field(default_factory=ServerConfig)
    autoscaling: Autoscaling = Field(default_factory=Autoscaling)
    exposure: Exposure = Field(default_factory=Exposure)
    alarms: Alarms = Field(default_factory=Alarms)

    def capacity_bounds(self) -> tuple[int, int]:
        """The Auto Scaling group's min/max."""
        return self.autoscaling.min, max(self.autoscaling.min, self.autoscaling.max)

    def capacity_schedule(self) -> tuple[CapacityChange, ...]:
        return tuple(CapacityChange(s.cron, s.min, s.max) for s in self.autoscaling.schedules)


def _secret_arn(value: str | None) -> str | None:
    if value is not None and not SECRET_ARN_RE.match(value):
        raise config_error(
            f"'{value}' is not a Secrets Manager ARN",
            "give the full ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>-xxxxxx)",
        )
    return value
