"""`fmkit eval`'s inputs: API keys (given or from Secrets Manager, never written), keys in URLs refused,
requests in flight per model against a Graviton deployment's parallel slots."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws
from typer.testing import CliRunner

from fmkit.cli.commands import app
from fmkit.cli.eval_inputs import api_keys
from fmkit.evaluate.testing import Behaviour, FakeOpenAIServer
from tests.helpers import write_config

KEY = "sk-test-0f1e2d3c4b5a69788796a5b4c3d2e1f0"
LLAMA = """
    provider: ec2-graviton
    instance_type: c7g.large
    model:
      hf: {repo: bartowski/SmolLM2-135M-Instruct-GGUF, file: SmolLM2-135M-Instruct-Q8_0.gguf}
      size_gib: 0.2
      quantization: Q8_0
    server: {parallel: 2}
    autoscaling: {min: 1, max: 2}
    expected_traffic: {requests_per_day: 1000, mean_input_tokens: 300, mean_output_tokens: 100}
"""
ITEMS = [{"id": f"q{i}", "prompt": f"Question {i}", "reference": f"You said: Question {i}"} for i in range(6)]


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    config = write_config(tmp_path / "cfg", {"models/llama.yaml": LLAMA})
    dataset = tmp_path / "dataset.jsonl"
    dataset.write_text("".join(json.dumps(item) + "\n" for item in ITEMS), encoding="utf-8")
    return {"config": config, "dataset": dataset, "out": tmp_path / "out"}


def run(files: dict[str, Path], *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["eval", "dev", "--dataset", str(files["dataset"]), "--out", str(files["out"]),
                                      "--config-dir", str(files["config"]), *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def assert_never_written(files: dict[str, Path], *outputs: str) -> None:
    written = [p for p in files["out"].rglob("*") if p.is_file()]
    assert {p.name for p in written} >= {"run.json", "report.json", "report.md", "report.html", "llama.jsonl"}
    assert [p for p in written if KEY in p.read_text(encoding="utf-8")] == []
    assert all(KEY not in text for text in outputs)


def test_api_key_from_an_environment_variable_is_sent_and_never_written(files: dict[str, Path]) -> None:
    with FakeOpenAIServer({"llama": Behaviour(api_key=KEY)}) as fake:
        endpoint = ("--endpoint", f"llama={fake.base_url('llama')}")
        code, out, err = run(files, *endpoint, "--api-key", "llama=LLAMA_KEY", env={"LLAMA_KEY": KEY})
        assert code == 0, err
        assert_never_written(files, out, err)
        # A rerun without --api-key reuses those answers: the key does not determine them.
        code, out, err = run(files, *endpoint, "--retry-errors")
    assert code == 0  # the answers of the keyed run are reused: same endpoint, same prompts
    code, out, err = run(files, "--endpoint", "llama=http://127.0.0.1:9/v1", "--api-key", "llama=UNSET_VARIABLE")
    assert code == 2 and "the environment variable UNSET_VARIABLE is not set or empty" in err


def test_the_deployed_key_is_read_from_the_secret_the_graviton_stack_publishes(
        files: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(variable, "testing")
    with FakeOpenAIServer({"llama": Behaviour(api_key=KEY)}) as fake, mock_aws():
        secret = boto3.client("secretsmanager", region_name="eu-west-1").create_secret(
            Name="llama-api-key", SecretString=json.dumps({"api_key": KEY}))["ARN"]
        boto3.client("ssm", region_name="eu-west-1").put_parameter(
            Name="/fmkit/demo/dev/models/llama/endpoint", Type="String",
            Value=json.dumps({"provider": "ec2-graviton", "base_url": fake.base_url("llama"),
                              "api_key_secret_arn": secret}))
        code, out, err = run(files)
    assert code == 0, err
    assert fake.requests["llama"] == len(ITEMS)
    report = json.loads((files["out"] / "report.json").read_text())
    assert report["models"]["llama"]["n_ok"] == len(ITEMS)
    assert_never_written(files, out, err)


@pytest.mark.parametrize("url", [f"http://user:{KEY}@127.0.0.1:8080/v1", f"http://127.0.0.1:8080/v1?api_key={KEY}"])
def test_a_key_inside_a_url_exits_2_and_is_not_repeated(files: dict[str, Path], url: str) -> None:
    code, out, err = run(files, "--endpoint", f"llama={url}")
    assert code == 2
    assert "--api-key NAME=ENV_VAR" in err and KEY not in out + err
    assert not files["out"].exists()


@pytest.mark.parametrize(("spec", "message"), [
    ("llama", "expected NAME=ENV_VAR"),
    ("ghost=LLAMA_KEY", "--api-key for ghost: not a model, judge or embedder of this run"),
])
def test_bad_api_key_options_exit_2(files: dict[str, Path], spec: str, message: str) -> None:
    code, _, err = run(files, "--endpoint", "llama=http://127.0.0.1:9/v1", "--api-key", spec,
                       env={"LLAMA_KEY": KEY})
    assert code == 2 and message in err and KEY not in err


def test_api_keys_are_read_by_variable_name() -> None:
    assert api_keys(["a=A_KEY", " b = B_KEY "], {"A_KEY": " k1 ", "B_KEY": "k2"}) == {"a": "k1", "b": "k2"}


def test_concurrency_defaults_to_the_parallel_slots_and_more_is_a_warning(files: dict[str, Path]) -> None:
    with FakeOpenAIServer({"llama": Behaviour(first_token_delay_s=0.05)}) as fake:
        endpoint = ("--endpoint", f"llama={fake.base_url('llama')}")
        code, _, err = run(files, *endpoint)
        assert code == 0 and "warning" not in err
        assert fake.max_in_flight["llama"] <= 2
        assert json.loads((files["out"] / "run.json").read_text())["concurrency"] == {"llama": 2}
        code, _, err = run(files, *endpoint, "--concurrency", "6", "--retry-errors")
    assert code == 0
    assert "warning: --concurrency 6 exceeds llama's 2 parallel slot(s)" in err and "omit --concurrency" in err
    assert json.loads((files["out"] / "report.json").read_text())["models"]["llama"]["concurrency"] == 6
