"""`fmkit eval` end to end against a scripted OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from typer.testing import CliRunner

from fmkit.cli.commands import app
from fmkit.evaluate.testing import Behaviour, FakeOpenAIServer, overlap_judge, word_hash_embedding
from tests.helpers import write_config

NOVA = """
    provider: bedrock
    model_id: amazon.nova-lite-v1:0
    cross_region: geo
"""
DATASET: list[dict[str, Any]] = [
    {"id": "a", "prompt": "Say hello", "reference": "You said: Say hello", "tags": ["greet"]},
    {"id": "b", "prompt": "Say bye", "reference": "You said: Say bye"},
    {"id": "c", "messages": [{"role": "user", "content": "Count"}], "reference": "one two three"},
]


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    # Echo answers: items a and b match their reference exactly, c does not.
    with FakeOpenAIServer({"echo": Behaviour(), "slow": Behaviour(first_token_delay_s=0.01)}) as fake:
        yield fake


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    config = write_config(tmp_path / "cfg", {"models/nova.yaml": NOVA})
    dataset = tmp_path / "dataset.jsonl"
    dataset.write_text("".join(json.dumps(item) + "\n" for item in DATASET), encoding="utf-8")
    return {"config": config, "dataset": dataset, "out": tmp_path / "out"}


def run(files: dict[str, Path], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["eval", "dev", "--dataset", str(files["dataset"]), "--out", str(files["out"]),
                                      "--config-dir", str(files["config"]), *args])
    return result.exit_code, result.stdout, result.stderr


def test_writes_reports_and_prices_configured_models(server: FakeOpenAIServer, files: dict[str, Path]) -> None:
    code, out, _ = run(files, "--models", "nova", "--endpoint", f"nova={server.base_url('echo')}",
                       "--endpoint", f"local={server.base_url('slow')}", "--concurrency", "2")
    assert code == 0, out
    for name in ("report.json", "report.md", "report.html"):
        assert (files["out"] / name).is_file()
    report = json.loads((files["out"] / "report.json").read_text())
    models = report["models"]
    assert set(models) == {"nova", "local"}
    assert models["nova"]["n_ok"] == 3 and models["nova"]["quality"]["exact_match"]["value"] == pytest.approx(2 / 3)
    assert models["nova"]["price"]["kind"] == "tokens"  # from the Bedrock catalog
    assert models["local"]["price"] is None  # not a configured deployment: no catalog price
    assert "nova" in out and "6 request(s) made, 0 result(s) reused" in out
    assert "<svg" in (files["out"] / "report.html").read_text()


def test_second_run_resumes_without_requests(server: FakeOpenAIServer, files: dict[str, Path]) -> None:
    args = ("--endpoint", f"echo={server.base_url('echo')}")
    assert run(files, *args)[0] == 0
    first = server.requests["echo"]
    code, out, _ = run(files, *args)
    assert code == 0
    assert server.requests["echo"] == first == 3
    assert "0 request(s) made, 3 result(s) reused" in out


def test_min_score_below_threshold_exits_1(server: FakeOpenAIServer, files: dict[str, Path]) -> None:
    endpoint = ("--endpoint", f"echo={server.base_url('echo')}")
    code, _, err = run(files, *endpoint, "--min-score", "exact_match=0.9")
    assert code == 1
    assert "echo: exact_match 0.6667 < min 0.9" in err
    code, out, _ = run(files, *endpoint, "--min-score", "exact_match=0.5", "--min-score", "rougeL=0.5")
    assert code == 0 and "all 2 threshold checks passed" in out


def test_bad_dataset_exits_2_with_line_numbers(files: dict[str, Path]) -> None:
    files["dataset"].write_text('{"id": "a", "prompt": "x", "reference": "y"}\n{not json\n'
                                '{"id": "a", "prompt": "x", "reference": "y"}\n{"id": "b", "reference": "y"}\n')
    code, _, err = run(files, "--endpoint", "echo=http://127.0.0.1:9/v1")
    assert code == 2
    path = str(files["dataset"])
    assert f"{path}:2: invalid JSON" in err
    assert f"{path}:3: duplicate id 'a'" in err
    assert f"{path}:4: set exactly one of 'prompt' or 'messages'" in err


@pytest.mark.parametrize(("args", "message"), [
    (("--min-score", "rougeL"), "invalid threshold 'rougeL'"),
    (("--min-score", "rogueL=0.3"), "did you mean 'rougeL'?"),
    (("--min-score", "latency_p95_s=2"), "unknown metric 'latency_p95_s'"),  # lower is better: not a minimum
    (("--models", "nvoa"), "did you mean 'nova'?"),
    (("--endpoint", "broken"), "invalid endpoint 'broken'"),
    (("--check", "xml"), "unknown check 'xml'"),
])
def test_bad_input_exits_2(files: dict[str, Path], args: tuple[str, ...], message: str) -> None:
    code, _, err = run(files, "--endpoint", "echo=http://127.0.0.1:9/v1", *args)
    assert code == 2
    assert message in err


def test_resolves_deployed_endpoints_from_ssm(server: FakeOpenAIServer, files: dict[str, Path],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    with mock_aws():
        boto3.client("ssm", region_name="eu-west-1").put_parameter(
            Name="/fmkit/demo/dev/models/nova/endpoint", Type="String",
            Value=json.dumps({"provider": "ec2-graviton", "base_url": server.base_url("echo"),
                              "api_key_secret_arn": None}))
        code, out, _ = run(files)  # no --models: the environment's chat models, found through SSM
    assert code == 0, out
    assert server.requests["echo"] == 3
    assert list(json.loads((files["out"] / "report.json").read_text())["models"]) == ["nova"]


def test_missing_ssm_parameter_exits_2(files: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    with mock_aws():
        code, _, err = run(files, "--models", "nova")
    assert code == 2
    assert "no endpoint published for: nova (/fmkit/demo/dev/models/nova/endpoint)" in err


def test_warns_when_a_prompt_exceeds_the_model_context_window(server: FakeOpenAIServer, tmp_path: Path) -> None:
    """SmolLM2 135M reads 8,192 tokens: a 40,000-character prompt (~10,000 tokens) cannot fit."""
    smol = """
        provider: ec2-graviton
        instance_type: c7g.large
        model:
          hf: {repo: bartowski/SmolLM2-135M-Instruct-GGUF, file: SmolLM2-135M-Instruct-Q8_0.gguf}
          size_gib: 0.2
          quantization: Q8_0
    """
    config = write_config(tmp_path / "cfg", {"models/smol.yaml": smol})
    dataset = tmp_path / "dataset.jsonl"
    items = [{"id": "short", "prompt": "Say hello", "reference": "hello"},
             {"id": "long", "prompt": "word " * 8000, "reference": "ok"}]
    dataset.write_text("".join(json.dumps(item) + "\n" for item in items), encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", "dev", "--dataset", str(dataset), "--out", str(tmp_path / "out"),
                                      "--config-dir", str(config), "--endpoint", f"smol={server.base_url('echo')}"])
    warnings = [line for line in result.stderr.splitlines() if "context window" in line]
    assert len(warnings) == 1, result.stderr
    assert "item long" in warnings[0] and "smol's context window (8,192 tokens)" in warnings[0]


def test_nothing_answered_exits_3_even_without_thresholds(files: dict[str, Path]) -> None:
    with FakeOpenAIServer({"down": Behaviour(fail_status=401)}) as fake:
        code, _, err = run(files, "--endpoint", f"down={fake.base_url('down')}")
    assert code == 3
    assert "no successful requests: nothing could be measured (client_error)" in err
    assert (files["out"] / "report.html").is_file()  # the report still says what went wrong


def test_one_silent_model_is_a_warning_and_thresholds_still_decide(server: FakeOpenAIServer,
                                                                   files: dict[str, Path]) -> None:
    with FakeOpenAIServer({"down": Behaviour(fail_status=500, retry_after=None)}) as broken:
        args = ("--endpoint", f"echo={server.base_url('echo')}", "--endpoint", f"down={broken.base_url('down')}")
        code, _, err = run(files, *args)
        assert code == 0 and "warning: down answered no request" in err
        code, _, err = run(files, *args, "--min-score", "rougeL=0.1")
    assert code == 1 and "down: rougeL 0 < min 0.1" in err


def test_judge_embedder_split_and_primary(files: dict[str, Path]) -> None:
    items = [{**item, "split": "holdout" if item["id"] == "c" else "dev"} for item in DATASET]
    files["dataset"].write_text("".join(json.dumps(item) + "\n" for item in items), encoding="utf-8")
    routes = {"echo": Behaviour(), "judge": Behaviour(answer=overlap_judge),
              "emb": Behaviour(embed=word_hash_embedding)}
    with FakeOpenAIServer(routes) as fake:
        endpoints = [arg for name in routes for arg in ("--endpoint", f"{name}={fake.base_url(name)}")]
        code, _, err = run(files, *endpoints, "--judge", "judge", "--embedder", "emb", "--primary", "judge")
        assert code == 0, err
        assert fake.requests["echo"] == 3 and fake.requests["judge"] == 3  # the judge is not benchmarked
        report = json.loads((files["out"] / "report.json").read_text())
        assert list(report["models"]) == ["echo"] and report["primary_metric"] == "judge"
        quality = report["models"]["echo"]["quality"]
        assert quality["judge"]["value"] is not None and quality["semantic_similarity"]["value"] is not None
        assert report["judge"]["judges"] == ["judge"] and report["semantic"]["embedder"] == "emb"
        assert report["holdout"]["items"] == {"dev": 2, "holdout": 1}
        code, _, _ = run(files, *endpoints, "--judge", "judge", "--split", "holdout")
        assert code == 0
        assert json.loads((files["out"] / "report.json").read_text())["dataset"]["items"] == 1


@pytest.mark.parametrize(("args", "message"), [
    (("--primary", "judge"), "unknown primary metric 'judge'"),  # no judge configured
    (("--min-score", "semantic_similarity=0.5"), "unknown metric 'semantic_similarity'"),
    (("--judge", "ghost"), "unknown judge 'ghost'"),
    (("--embedder", "nvoa"), "unknown embedder 'nvoa' in environment 'dev': did you mean 'nova'?"),
    (("--split", "test"), "--split test: use dev or holdout"),
    (("--split", "holdout"), "the dataset has no holdout items"),
])
def test_bad_scoring_options_exit_2(files: dict[str, Path], args: tuple[str, ...], message: str) -> None:
    code, _, err = run(files, "--endpoint", "echo=http://127.0.0.1:9/v1", *args)
    assert code == 2
    assert message in err
