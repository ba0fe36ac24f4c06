"""The Graviton stack synthesized (cdk-nag on) from the default config and from two custom ones:
a public HTTPS endpoint serving your own S3 object with your own API key, and an internal one in
an `egress: none` VPC with named consumer groups, a running warm pool and the key turned off.

Only the Platform and Graviton stacks (and the evaluation, which calls the model), so other
capabilities' work in progress cannot mask these results.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template

from fmkit.config import LoadedConfig
from tests.helpers import load_env
from tests.infra.conftest import only_provider, synth

CERT = "arn:aws:acm:eu-west-1:111111111111:certificate/12345678-1234-1234-1234-123456789012"
SECRET = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:llm-key-AbCdEf"
KEY = "arn:aws:kms:eu-west-1:111111111111:key/12345678-1234-1234-1234-123456789012"
DIGEST = "a" * 64
# What model_configs/models/llama-small.yaml pins: its model card's digest of the Q4_0 file.
DEFAULT_GGUF_SHA256 = "4d491003bf6b470e4d04233824c5c939b76d6c81974ba17a3ff207343e1d8e85"
CONSUMER_SG = "sg-0123456789abcdef0"

PUBLIC = f"""
provider: ec2-graviton
instance_type: m7g.2xlarge
model:
  s3_uri: s3://team-models/qwen/qwen2.5-7b-instruct-q4_k_m.gguf
  sha256: {DIGEST}
  size_gib: 4.4
  quantization: Q4_K_M
  kms_key_arn: {KEY}
server:
  api_key_secret_arn: {SECRET}
autoscaling:
  min: 1
  max: 4
  target_requests_per_instance: 30
exposure:
  mode: public
  certificate_arn: {CERT}
  domain_name: llm.example.com
  allowed_cidrs: [203.0.113.0/24]
"""

ISOLATED_ENV = """
account: "111111111111"
region: eu-west-1
platform:
  vpc:
    egress: none
"""

ISOLATED = f"""
provider: ec2-graviton
instance_type: c7g.xlarge
model:
  hf:
    repo: bartowski/Llama-3.2-3B-Instruct-GGUF
    file: Llama-3.2-3B-Instruct-Q4_0.gguf
    revision: 0123456789abcdef0123456789abcdef01234567
  sha256: {DIGEST}
  size_gib: 1.8
  quantization: Q4_0
server:
  require_api_key: false
autoscaling:
  min: 1
  max: 4
  warm_pool: {{min_size: 2, state: running}}
exposure:
  consumer_security_group_ids: [{CONSUMER_SG}]
  allowed_cidrs: [192.168.10.0/24]
"""


@pytest.fixture(scope="package")
def default_graviton(default_config: LoadedConfig, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Template]:
    """The default config's Graviton stacks (dev and prod), synthesized with cdk-nag on."""
    environments = [only_provider(env, "ec2-graviton") for env in default_config.environments.values()]
    templates = synth(environments, tmp_path_factory.mktemp("cdk-graviton-default"))
    return {key: t for key, t in templates.items() if key.endswith(("/Graviton", "/Evaluation"))}


@pytest.fixture(scope="package")
def dev(default_graviton: dict[str, Template]) -> Template:
    return default_graviton["dev/Graviton"]


@pytest.fixture(scope="package")
def prod(default_graviton: dict[str, Template]) -> Template:
    return default_graviton["prod/Graviton"]


@pytest.fixture(scope="package")
def public(tmp_path_factory: pytest.TempPathFactory) -> Template:
    env = load_env(Path(tmp_path_factory.mktemp("graviton-public")), {"models/qwen.yaml": PUBLIC})
    return synth([env], tmp_path_factory.mktemp("cdk-graviton-public"))["dev/Graviton"]


@pytest.fixture(scope="package")
def isolated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Template]:
    files: dict[str, str | None] = {"environments/dev.yaml": ISOLATED_ENV, "models/llm.yaml": ISOLATED}
    env = load_env(Path(tmp_path_factory.mktemp("graviton-isolated")), files)
    templates = synth([env], tmp_path_factory.mktemp("cdk-graviton-isolated"))
    return {key.split("/", 1)[1]: t for key, t in templates.items()}


def only(template: Template, kind: str) -> tuple[str, dict[str, Any]]:
    found = template.find_resources(kind)
    assert len(found) == 1, list(found)
    key, value = next(iter(found.items()))
    return key, dict(value)


def user_data(template: Template) -> str:
    """The rendered boot script, CloudFormation references shown as `<ref>`."""
    _, lt = only(template, "AWS::EC2::LaunchTemplate")
    parts = lt["Properties"]["LaunchTemplateData"]["UserData"]["Fn::Base64"]["Fn::Join"][1]
    return "".join(p if isinstance(p, str) else "<ref>" for p in parts)


def statements(template: Template) -> list[dict[str, Any]]:
    return [s for p in template.find_resources("AWS::IAM::Policy").values()
            for s in p["Properties"]["PolicyDocument"]["Statement"]]


def policy_of(template: Template, role_prefix: str) -> list[dict[str, Any]]:
    """Statements of the default policy of the role whose logical id starts with `role_prefix`."""
    policies = template.find_resources("AWS::IAM::Policy").values()
    found = [p["Properties"]["PolicyDocument"]["Statement"] for p in policies
             if any(r["Ref"].startswith(role_prefix) for r in p["Properties"]["Roles"])]
    assert len(found) == 1, role_prefix
    return list(found[0])


def as_text(value: Any) -> str:
    return json.dumps(value, sort_keys=True)
