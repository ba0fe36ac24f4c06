"""Graviton boot path without CDK: user data rendered from several configs (shellcheck-clean),
sizing of volume and grace period, the deploy-time build job and its custom-resource handler."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from fmkit.config.providers.graviton import GravitonDeployment
from stacks.graviton.build import ARM_ARCH, SCRIPT, arm_arch, build_environment, buildspec, llama_key
from stacks.graviton.user_data import (
    BootSettings,
    boot_seconds,
    health_check_grace_seconds,
    model_file_name,
    render_user_data,
    root_volume_gib,
    server_args,
)

ROOT = Path(__file__).resolve().parents[2]
SHELLCHECK = Path(sys.executable).parent / "shellcheck"
SECRET = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:llm-key-AbCdEf"


def deployment(**overrides: Any) -> GravitonDeployment:
    raw: dict[str, Any] = {
        "provider": "ec2-graviton", "instance_type": "c7g.xlarge",
        "model": {"hf": {"repo": "bartowski/Llama-3.2-3B-Instruct-GGUF", "file": "Llama-3.2-3B-Instruct-Q4_0.gguf"},
                  "size_gib": 1.8, "quantization": "Q4_0"},
    }
    raw.update(overrides)
    return GravitonDeployment.model_validate(raw)


CONFIGS = {
    "defaults": deployment(),
    "api-key-and-flags": deployment(server={"api_key_secret_arn": SECRET, "threads": 3, "parallel": 4,
                                            "extra_flags": {"--jinja": True, "--flash-attn": "on",
                                                            "--cache-type-k": "q8_0"}}),
    "own-s3-object-concurrency-scaling": deployment(
        model={"s3_uri": "s3://team-models/qwen/qwen2.5-7b-instruct-q4_k_m.gguf", "size_gib": 4.4,
               "quantization": "Q4_K_M"},
        autoscaling={"min": 0, "max": 4, "target_concurrent_requests": 2}),
}


def settings(name: str, dep: GravitonDeployment, *, tokens: bool = False) -> BootSettings:
    bucket = "${Token[TOKEN.123]}" if tokens else "fmkit-models-abc"
    return BootSettings(
        project="demo", environment="dev", deployment=name, region="eu-west-1",
        llama_cpp_version=dep.server.llama_cpp_version,
        llama_tarball_uri=f"s3://{bucket}/{llama_key(dep.server.llama_cpp_version, 'graviton3')}",
        model_uri=dep.model.s3_uri or f"s3://{bucket}/models/{name}/x.gguf", model_file=model_file_name(dep),
        port=dep.server.port, args=server_args(name, dep, 4), log_group=f"/fmkit/demo/dev/graviton/{name}",
        boot_timeout_seconds=600, publish_concurrency=dep.autoscaling.target_concurrent_requests is not None,
        api_key_secret_arn=dep.server.api_key_secret_arn,
    )


def shellcheck(text: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "script.sh"
    script.write_text(text)
    return subprocess.run([str(SHELLCHECK), "--shell=bash", "--severity=style", str(script)],
                          capture_output=True, text=True, check=False)


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_user_data_is_shellcheck_clean(name: str, tmp_path: Path) -> None:
    result = shellcheck(render_user_data(settings(name, CONFIGS[name])), tmp_path)
    assert result.returncode == 0, result.stdout


def test_shellcheck_catches_a_broken_script(tmp_path: Path) -> None:
    """Guards the test above: shellcheck is really run and really fails on bad shell."""
    result = shellcheck("#!/bin/bash\nrm -rf $1/*\n", tmp_path)
    assert result.returncode != 0 and "SC2086" in result.stdout


def test_cdk_tokens_land_inside_quotes_and_resolve_to_clean_shell(tmp_path: Path) -> None:
    """CloudFormation substitutes the bucket name where the token was: the result must stay clean."""
    text = render_user_data(settings("defaults", CONFIGS["defaults"], tokens=True))
    assert "readonly LLAMA_TARBALL_URI='s3://${Token[TOKEN.123]}/llama.cpp/b10760/graviton3/" in text
    deployed = text.replace("${Token[TOKEN.123]}", "demo-graviton-gravitonmodelbucket-1a2b3c")
    result = shellcheck(deployed, tmp_path)
    assert result.returncode == 0, result.stdout


def test_defaults_serve_on_all_vcpus_with_metrics_and_alias() -> None:
    args = server_args("llm", CONFIGS["defaults"], 4)
    assert args == ["--model", "/opt/models/Llama-3.2-3B-Instruct-Q4_0.gguf", "--host", "0.0.0.0",
                    "--port", "8080", "--ctx-size", "8192", "--parallel", "2", "--threads", "4",
                    "--alias", "llm", "--metrics", "--timeout", "300"]


def test_api_key_and_extra_flags_reach_the_command_line() -> None:
    text = render_user_data(settings("llm", CONFIGS["api-key-and-flags"]))
    assert ("readonly LLAMA_ARGS='--model /opt/models/Llama-3.2-3B-Instruct-Q4_0.gguf --host 0.0.0.0 --port 8080 "
            "--ctx-size 8192 --parallel 4 --threads 3 --alias llm --metrics --timeout 300 "
            "--api-key-file /etc/llama-server/api-key --jinja --flash-attn on --cache-type-k q8_0'") in text
    assert f"readonly API_KEY_SECRET_ARN={SECRET}" in text
    assert "aws secretsmanager get-secret-value" in text


def test_own_s3_object_is_copied_and_concurrency_is_published() -> None:
    text = render_user_data(settings("qwen", CONFIGS["own-s3-object-concurrency-scaling"]))
    assert "readonly MODEL_URI=s3://team-models/qwen/qwen2.5-7b-instruct-q4_k_m.gguf" in text
    assert "readonly MODEL_FILE=qwen2.5-7b-instruct-q4_k_m.gguf" in text
    assert "readonly PUBLISH_CONCURRENCY=1" in text
    assert "readonly PUBLISH_CONCURRENCY=0" in render_user_data(settings("llm", CONFIGS["defaults"]))


def test_boot_waits_for_health_before_declaring_ready() -> None:
    text = render_user_data(settings("llm", CONFIGS["defaults"]))
    assert text.index("systemctl enable --now llama-server.service") < text.index('/health"')
    assert text.index('aws s3 cp --only-show-errors --region "$REGION" "$MODEL_URI"') < text.index(
        "systemctl enable --now llama-server.service")


def test_arguments_that_would_need_quoting_are_refused() -> None:
    bad = settings("llm", CONFIGS["defaults"])
    with pytest.raises(ValueError, match="quoting"):
        render_user_data(BootSettings(**{**bad.__dict__, "args": ["--chat-template", "a b"]}))


@pytest.mark.parametrize(("size", "volume", "grace"), [(1.8, 30, 180), (4.4, 30, 210), (40.0, 66, 630)])
def test_volume_and_grace_period_grow_with_the_model(size: float, volume: int, grace: int) -> None:
    assert root_volume_gib(size) == volume
    assert health_check_grace_seconds(size) == grace
    assert grace >= boot_seconds(size) and grace % 30 == 0


def test_build_script_is_shellcheck_clean(tmp_path: Path) -> None:
    result = shellcheck(SCRIPT.read_text(), tmp_path)
    assert result.returncode == 0, result.stdout


def test_buildspec_runs_the_script_in_bash() -> None:
    spec = buildspec()
    assert spec["env"] == {"shell": "bash"}
    assert spec["phases"]["build"]["commands"] == [SCRIPT.read_text()]


def test_build_targets_each_graviton_generation() -> None:
    assert "i8mm" not in arm_arch("graviton2")
    assert "sve" in arm_arch("graviton3") and "sve2" not in arm_arch("graviton3")
    assert "sve2" in arm_arch("graviton4")
    assert set(ARM_ARCH) == {"graviton2", "graviton3", "graviton3e", "graviton4"}
    with pytest.raises(ValueError):
        arm_arch("skylake")


def test_build_environment_names_deterministic_keys() -> None:
    env = build_environment("llm", CONFIGS["defaults"], "graviton3")
    assert env["LLAMA_KEY"] == "llama.cpp/b10760/graviton3/llama-cpp.tar.gz"
    assert env["MODEL_KEY"] == ("models/llm/bartowski/Llama-3.2-3B-Instruct-GGUF/main/"
                                "Llama-3.2-3B-Instruct-Q4_0.gguf")
    own = build_environment("qwen", CONFIGS["own-s3-object-concurrency-scaling"], "graviton3")
    assert "MODEL_KEY" not in own and "HF_REPO" not in own


def _handler() -> Any:
    spec = importlib.util.spec_from_file_location("graviton_artifacts_handler",
                                                  ROOT / "lambda" / "graviton_artifacts" / "handler.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class FakeCodeBuild:
    def __init__(self, status: str = "IN_PROGRESS") -> None:
        self.status = status
        self.started: list[dict[str, Any]] = []

    def start_build(self, **kwargs: Any) -> dict[str, Any]:
        self.started.append(kwargs)
        return {"build": {"id": "proj:1"}}

    def batch_get_builds(self, ids: list[str]) -> dict[str, Any]:
        return {"builds": [{"id": ids[0], "buildStatus": self.status, "logs": {"deepLink": "https://logs"}}]}


PROPS = {"ProjectName": "proj", "Bucket": "bkt", "HfTokenSecretArn": SECRET,
         "Variables": {"LLAMA_KEY": "llama.cpp/b1/graviton3/llama-cpp.tar.gz", "MODEL_KEY": "models/m.gguf"}}


def test_handler_starts_a_build_with_the_token_as_a_secret_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    handler, fake = _handler(), FakeCodeBuild()
    monkeypatch.setattr(handler, "_codebuild", lambda: fake)
    result = handler.on_event({"RequestType": "Create", "ResourceProperties": PROPS})
    assert result == {"PhysicalResourceId": "s3://bkt/llama.cpp/b1/graviton3/llama-cpp.tar.gz|models/m.gguf",
                      "Data": {"BuildId": "proj:1"}}
    overrides = fake.started[0]["environmentVariablesOverride"]
    assert {"name": "HF_TOKEN", "value": SECRET, "type": "SECRETS_MANAGER"} in overrides
    assert {"name": "BUCKET", "value": "bkt", "type": "PLAINTEXT"} in overrides


def test_handler_waits_succeeds_and_fails_with_the_log_link(monkeypatch: pytest.MonkeyPatch) -> None:
    handler = _handler()
    event = {"RequestType": "Update", "ResourceProperties": PROPS, "Data": {"BuildId": "proj:1"}}
    for status, expected in (("IN_PROGRESS", {"IsComplete": False}),
                             ("SUCCEEDED", {"IsComplete": True, "Data": {
                                 "LlamaKey": "llama.cpp/b1/graviton3/llama-cpp.tar.gz", "ModelKey": "models/m.gguf"}})):
        monkeypatch.setattr(handler, "_codebuild", lambda s=status: FakeCodeBuild(s))
        assert handler.is_complete(event) == expected
    monkeypatch.setattr(handler, "_codebuild", lambda: FakeCodeBuild("FAILED"))
    with pytest.raises(RuntimeError, match="ended FAILED; see https://logs"):
        handler.is_complete(event)


def test_handler_delete_keeps_shared_objects(monkeypatch: pytest.MonkeyPatch) -> None:
    handler, fake = _handler(), FakeCodeBuild()
    monkeypatch.setattr(handler, "_codebuild", lambda: fake)
    assert handler.on_event({"RequestType": "Delete", "PhysicalResourceId": "x", "ResourceProperties": PROPS}) == {
        "PhysicalResourceId": "x"}
    assert handler.is_complete({"RequestType": "Delete"}) == {"IsComplete": True}
    assert fake.started == []
