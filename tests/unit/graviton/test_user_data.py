"""The boot script rendered from config (no CDK): shellcheck-clean for several configs, the
llama-server command line, and the timing relations behind the launch hook and grace period."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from fmkit.config.providers.graviton import GravitonDeployment
from stacks.graviton.build import llama_build_id, llama_key
from stacks.graviton.user_data import (
    HEALTH_INTERVAL_SECONDS,
    HEALTH_TIMEOUT_SECONDS,
    HEALTHY_THRESHOLD,
    HOOK_MARGIN_SECONDS,
    MAX_HEARTBEAT_SECONDS,
    BootSettings,
    boot_seconds,
    boot_timeout_seconds,
    health_check_grace_seconds,
    lifecycle_heartbeat_seconds,
    model_file_name,
    render_user_data,
    root_volume_gib,
    server_args,
)

SHELLCHECK = Path(sys.executable).parent / "shellcheck"
SECRET = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:llm-key-AbCdEf"
DIGEST = "0123456789abcdef" * 4


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
    "own-key-and-flags": deployment(server={"api_key_secret_arn": SECRET, "threads": 3, "parallel": 4,
                                            "extra_flags": {"--jinja": True, "--flash-attn": "on",
                                                            "--cache-type-k": "q8_0"}}),
    "own-s3-object-pinned-concurrency-no-key": deployment(
        model={"s3_uri": "s3://team-models/qwen/qwen2.5-7b-instruct-q4_k_m.gguf", "size_gib": 4.4,
               "quantization": "Q4_K_M", "sha256": DIGEST},
        server={"require_api_key": False},
        autoscaling={"min": 0, "max": 4, "target_concurrent_requests": 2}),
}


def settings(name: str, dep: GravitonDeployment, *, tokens: bool = False) -> BootSettings:
    bucket = "${Token[TOKEN.123]}" if tokens else "fmkit-models-abc"
    version = dep.server.llama_cpp_version
    generated = "${Token[TOKEN.456]}" if tokens else "arn:aws:secretsmanager:eu-west-1:111111111111:secret:ApiKey-x"
    key_arn = None if not dep.server.require_api_key else (dep.server.api_key_secret_arn or generated)
    return BootSettings(
        project="demo", environment="dev", deployment=name, region="eu-west-1",
        llama_cpp_version=version, llama_build_id=llama_build_id(version, "graviton3"),
        llama_tarball_uri=f"s3://{bucket}/{llama_key(version, 'graviton3')}",
        model_uri=dep.model.s3_uri or f"s3://{bucket}/models/{name}/x.gguf", model_file=model_file_name(dep),
        model_sha256=dep.model.sha256, port=dep.server.port, args=server_args(name, dep, 4),
        log_group=f"/fmkit/demo/dev/graviton/{name}", boot_timeout_seconds=boot_timeout_seconds(dep.model.size_gib),
        publish_concurrency=dep.autoscaling.target_concurrent_requests is not None,
        group_name=f"demo-dev-{name}", api_key_secret_arn=key_arn,
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
    """CloudFormation substitutes the bucket name and secret ARN where the tokens were: still clean."""
    text = render_user_data(settings("defaults", CONFIGS["defaults"], tokens=True))
    assert "readonly LLAMA_TARBALL_URI='s3://${Token[TOKEN.123]}/llama.cpp/" in text
    assert "readonly API_KEY_SECRET_ARN='${Token[TOKEN.456]}'" in text
    deployed = (text.replace("${Token[TOKEN.123]}", "demo-graviton-gravitonmodelbucket-1a2b3c")
                .replace("${Token[TOKEN.456]}", SECRET))
    result = shellcheck(deployed, tmp_path)
    assert result.returncode == 0, result.stdout


def test_defaults_bound_answers_cap_the_cache_hide_the_ui_and_require_the_key() -> None:
    args = server_args("llm", CONFIGS["defaults"], 4)
    assert args == ["--model", "/opt/models/Llama-3.2-3B-Instruct-Q4_0.gguf", "--host", "0.0.0.0",
                    "--port", "8080", "--ctx-size", "8192", "--parallel", "2", "--threads", "4",
                    "--alias", "llm", "--metrics", "--n-predict", "1024", "--cache-ram", "1024", "--no-webui",
                    "--api-key-file", "/etc/llama-server/api-key"]
    assert "--timeout" not in args, "a socket timeout, not a bound on generation"


def test_own_key_and_extra_flags_reach_the_command_line() -> None:
    text = render_user_data(settings("llm", CONFIGS["own-key-and-flags"]))
    assert ("readonly LLAMA_ARGS='--model /opt/models/Llama-3.2-3B-Instruct-Q4_0.gguf --host 0.0.0.0 --port 8080 "
            "--ctx-size 8192 --parallel 4 --threads 3 --alias llm --metrics --n-predict 1024 --cache-ram 1024 "
            "--no-webui --api-key-file /etc/llama-server/api-key --jinja --flash-attn on --cache-type-k q8_0'") in text
    assert f"readonly API_KEY_SECRET_ARN={SECRET}" in text
    assert "aws secretsmanager get-secret-value" in text


def test_own_s3_object_pinned_without_key() -> None:
    text = render_user_data(settings("qwen", CONFIGS["own-s3-object-pinned-concurrency-no-key"]))
    assert "readonly MODEL_URI=s3://team-models/qwen/qwen2.5-7b-instruct-q4_k_m.gguf" in text
    assert "readonly MODEL_FILE=qwen2.5-7b-instruct-q4_k_m.gguf" in text
    assert f"readonly MODEL_SHA256={DIGEST}" in text
    assert "readonly API_KEY_SECRET_ARN=''" in text and "--api-key-file" not in text
    assert "readonly PUBLISH_CONCURRENCY=1" in text
    assert "readonly PUBLISH_CONCURRENCY=0" in render_user_data(settings("llm", CONFIGS["defaults"]))


def test_cloud_init_only_installs_the_per_boot_service() -> None:
    """First boot installs; every boot (warm-pool starts included) runs the idempotent `boot`."""
    text = render_user_data(settings("llm", CONFIGS["defaults"]))
    assert text.rstrip().endswith('main "$@"')
    assert 'case "${1:-install}" in' in text
    assert "ExecStart=${BOOT_SCRIPT} boot" in text and "WantedBy=multi-user.target" in text
    body = text[text.index("boot() {"):text.index("main() {")]
    order = ["fetch_llama", "fetch_model", "write_api_key", "start_serving", "wait_until_healthy", "follow_lifecycle"]
    assert [body.index(step) for step in order] == sorted(body.index(step) for step in order)


def test_arguments_that_would_need_quoting_are_refused() -> None:
    bad = settings("llm", CONFIGS["defaults"])
    with pytest.raises(ValueError, match="quoting"):
        render_user_data(BootSettings(**{**bad.__dict__, "args": ["--chat-template", "a b"]}))


@pytest.mark.parametrize(("size", "volume"), [(1.8, 30), (4.4, 30), (40.0, 66)])
def test_volume_grows_with_the_model(size: float, volume: int) -> None:
    assert root_volume_gib(size) == volume


@pytest.mark.parametrize(("size", "budget"), [(1.8, 240), (4.4, 300), (40.0, 1170), (400.0, 7080)])
def test_the_boot_budget_doubles_the_expected_boot_within_the_hook_limit(size: float, budget: int) -> None:
    assert boot_timeout_seconds(size) == budget
    assert budget % 30 == 0
    assert budget >= min(2 * boot_seconds(size), MAX_HEARTBEAT_SECONDS - HOOK_MARGIN_SECONDS)


@pytest.mark.parametrize("size", [0.1, 1.8, 4.4, 40.0, 400.0])
def test_the_hook_outlives_the_script_and_stays_within_its_limit(size: float) -> None:
    """The script decides (CONTINUE or ABANDON) before the hook's default result could fire."""
    heartbeat = lifecycle_heartbeat_seconds(size)
    assert heartbeat == boot_timeout_seconds(size) + HOOK_MARGIN_SECONDS
    assert heartbeat <= MAX_HEARTBEAT_SECONDS


def test_grace_covers_the_target_groups_first_verdict_only() -> None:
    grace = health_check_grace_seconds()
    first_verdict = HEALTHY_THRESHOLD * HEALTH_INTERVAL_SECONDS + HEALTH_TIMEOUT_SECONDS
    assert first_verdict <= grace < first_verdict + 30 and grace % 30 == 0
