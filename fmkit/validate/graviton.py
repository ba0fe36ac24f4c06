"""Checks for `provider: ec2-graviton` that need the instance catalog, region or network."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator

from fmkit.catalog.instances import get_instance, is_graviton, suggest_instance_types
from fmkit.config.environment import EnvironmentConfig
from fmkit.config.providers.graviton import GravitonDeployment, ServerConfig
from fmkit.validate.registry import Finding, rule

# Besides the weights: OS, llama-server and compute buffers, then KV cache and scratch.
RESERVED_GIB = 2.0
KV_OVERHEAD = 0.2
COMMIT_RE = re.compile(r"^[0-9a-f]{40}$")


def required_memory_gib(model_size_gib: float, cache_ram_mib: int = ServerConfig().cache_ram_mib) -> float:
    """RAM a GGUF needs to serve: weights + 20% (KV cache, buffers) + 2 GiB for the OS, plus the
    prompt cache cap (`--cache-ram`), which llama-server fills with every distinct long prompt."""
    return model_size_gib * (1 + KV_OVERHEAD) + RESERVED_GIB + cache_ram_mib / 1024


@rule("graviton-instance-is-graviton")
def graviton_instance_is_graviton(env: EnvironmentConfig) -> Iterator[Finding]:
    """x86 or unknown types would boot an arm64 AMI that cannot run."""
    for name, model in env.deployments_of(GravitonDeployment, include_disabled=True).items():
        spec = get_instance(model.instance_type)
        path = ("models", name, "instance_type")
        if spec is None:
            close = suggest_instance_types(model.instance_type)
            yield Finding(path, f"unknown EC2 instance type '{model.instance_type}'",
                          f"did you mean '{close[0]}'?" if close else "e.g. c7g.2xlarge, c8g.4xlarge, m7g.xlarge")
        elif not is_graviton(model.instance_type) or spec.arch != "arm64":
            size = model.instance_type.split(".")[-1]
            yield Finding(path, f"'{model.instance_type}' is {spec.arch} ({spec.processor}), not Graviton",
                          f"use an arm64 Graviton family of similar size, e.g. c7g.{size}")


@rule("graviton-instance-in-region")
def graviton_instance_in_region(env: EnvironmentConfig) -> Iterator[Finding]:
    for name, model in env.deployments_of(GravitonDeployment, include_disabled=True).items():
        spec = get_instance(model.instance_type)
        if spec is not None and spec.regions and env.region not in spec.regions:
            yield Finding(("models", name, "instance_type"),
                          f"'{model.instance_type}' is not offered in {env.region}",
                          "pick a family offered there (c7g and m7g are the most widely available)")


@rule("graviton-model-fits-memory")
def graviton_model_fits_memory(env: EnvironmentConfig) -> Iterator[Finding]:
    """Weights are mmapped into RAM; swapping would make every token take seconds."""
    for name, model in env.deployments_of(GravitonDeployment, include_disabled=True).items():
        spec = get_instance(model.instance_type)
        if spec is None:
            continue
        need = required_memory_gib(model.model.size_gib, model.server.cache_ram_mib)
        if need > spec.memory_gib:
            cache = model.server.cache_ram_mib
            yield Finding(("models", name, "model", "size_gib"),
                          f"a {model.model.size_gib:g} GiB model with a {cache} MiB prompt cache needs about "
                          f"{need:.1f} GiB of RAM; {model.instance_type} has {spec.memory_gib:g} GiB",
                          "use a larger size or a memory-optimised family (m7g, r7g, r8g), a smaller quantization, "
                          "or a smaller server.cache_ram_mib")


@rule("graviton-threads-within-vcpus")
def graviton_threads_within_vcpus(env: EnvironmentConfig) -> Iterator[Finding]:
    for name, model in env.deployments_of(GravitonDeployment, include_disabled=True).items():
        spec = get_instance(model.instance_type)
        threads = model.server.threads
        if spec is not None and threads is not None and threads > spec.vcpus:
            yield Finding(("models", name, "server", "threads"),
                          f"{threads} threads on {spec.vcpus} vCPUs oversubscribes the cores and slows decoding",
                          f"use at most {spec.vcpus}, or omit threads to use all vCPUs")


@rule("graviton-context-per-slot")
def graviton_context_per_slot(env: EnvironmentConfig) -> Iterator[Finding]:
    """llama-server splits the context evenly between slots."""
    for name, model in env.deployments_of(GravitonDeployment, include_disabled=True).items():
        per_slot = model.server.context_size // model.server.parallel
        if per_slot < 512:
            yield Finding(("models", name, "server", "parallel"),
                          f"{model.server.parallel} slots leave {per_slot} tokens of context each",
                          "raise context_size or lower parallel (each slot gets context_size / parallel)")


@rule("graviton-public-needs-public-subnets")
def graviton_public_needs_public_subnets(env: EnvironmentConfig) -> Iterator[Finding]:
    if env.platform.vpc.egress != "none":
        return
    for name, model in env.deployments_of(GravitonDeployment, include_disabled=True).items():
        if model.exposure.mode == "public":
            yield Finding(("models", name, "exposure", "mode"),
                          "a public load balancer needs public subnets, but this environment's VPC has egress: none",
                          "use mode: internal, or set platform.vpc.egress: nat")


@rule("graviton-hf-revision-pinned")
def graviton_hf_revision_pinned(env: EnvironmentConfig) -> Iterator[Finding]:
    """A branch can move: the next deploy would serve different weights under the same config."""
    for name, model in env.deployments_of(GravitonDeployment, include_disabled=True).items():
        hf = model.model.hf
        if hf is not None and not COMMIT_RE.match(hf.revision):
            yield Finding(("models", name, "model", "hf", "revision"),
                          f"revision '{hf.revision}' is not a commit, so the served file can change between deploys",
                          "pin the 40-hex commit shown on the file's Hub page", severity="warning")


@rule("graviton-public-open-to-world")
def graviton_public_open_to_world(env: EnvironmentConfig) -> Iterator[Finding]:
    for name, model in env.deployments_of(GravitonDeployment, include_disabled=True).items():
        if model.exposure.mode == "public" and "0.0.0.0/0" in (model.exposure.allowed_cidrs or []):
            hint = "list client networks instead" if model.server.require_api_key else (
                "set server.require_api_key: true, or list client networks instead")
            yield Finding(("models", name, "exposure", "allowed_cidrs"),
                          "the endpoint is open to the whole internet", hint, severity="warning")


@rule("graviton-output-within-context")
def graviton_output_within_context(env: EnvironmentConfig) -> Iterator[Finding]:
    """A slot stops at its share of the context, so a larger default could never be reached."""
    for name, model in env.deployments_of(GravitonDeployment, include_disabled=True).items():
        server = model.server
        per_slot = server.context_size // server.parallel
        if server.default_max_tokens > per_slot:
            yield Finding(("models", name, "server", "default_max_tokens"),
                          f"default_max_tokens {server.default_max_tokens} exceeds the {per_slot} tokens of context "
                          "each slot has (prompt included), which bound every answer",
                          f"use at most {per_slot}, or raise context_size / lower parallel")


@rule("graviton-warm-pool-not-hibernated")
def graviton_warm_pool_not_hibernated(env: EnvironmentConfig) -> Iterator[Finding]:
    """The kit does not set up hibernation, so a hibernated pool would fail to hibernate."""
    for name, model in env.deployments_of(GravitonDeployment, include_disabled=True).items():
        pool = model.autoscaling.warm_pool
        if pool is not None and pool.state == "hibernated":
            yield Finding(("models", name, "autoscaling", "warm_pool", "state"),
                          "hibernated warm pools are not supported: hibernation must be enabled in the launch "
                          "template, needs an encrypted root volume that holds RAM + model, at most 150 GiB of "
                          "RAM, and an instance family and AMI that hibernate on arm64, none of which the kit sets "
                          "up or checks",
                          "use state: stopped (the model stays on the volume; a start reloads it from disk) "
                          "or running")


@rule("graviton-model-sha256-pinned")
def graviton_model_sha256_pinned(env: EnvironmentConfig) -> Iterator[Finding]:
    """Without a digest a changed or substituted file is served as long as it starts with GGUF."""
    for name, model in env.deployments_of(GravitonDeployment, include_disabled=True).items():
        if model.model.sha256 is None:
            yield Finding(("models", name, "model"),
                          "the GGUF is not pinned by sha256, so a changed or substituted file would be served",
                          "add model.sha256 (the Hub shows it on the file's page; the build log and each "
                          "instance's boot log print the digest of the file they got)", severity="warning")


@rule("graviton-internal-cidr-admits-vpc")
def graviton_internal_cidr_admits_vpc(env: EnvironmentConfig) -> Iterator[Finding]:
    """A CIDR covering the VPC admits every workload in it, not only the model's consumers."""
    vpc = ipaddress.IPv4Network(env.platform.vpc.cidr)
    for name, model in env.deployments_of(GravitonDeployment, include_disabled=True).items():
        exposure = model.exposure
        if exposure.mode != "internal":
            continue
        for cidr in exposure.allowed_cidrs or []:
            if ipaddress.IPv4Network(cidr).overlaps(vpc):
                yield Finding(("models", name, "exposure", "allowed_cidrs"),
                              f"{cidr} overlaps the environment's VPC ({vpc}): every workload there could call "
                              "the model, not only its consumers",
                              "name the callers' security groups in exposure.consumer_security_group_ids "
                              "instead", severity="warning")
