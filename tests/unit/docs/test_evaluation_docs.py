"""Every command in docs/evaluation.md and docs/evaluation-cloud.md runs, against the offline demo.

The ```bash blocks are read line by line: each `fmkit` command runs in `make demo-eval`'s
environment (`examples/eval/demo.py`: the dev deployments' doubles on loopback, moto's SSM and
Secrets Manager) from a scratch directory, and must exit 0 — or the code its comment announces
("exits 1"); a comment saying it "warns" needs a warning. `make demo-eval` is run by its own test
here. The `aws` commands need a deployed stack and are the only ones allowed not to run; the
Python example runs too.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shlex
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[3]
DOCS = [ROOT / "docs" / "evaluation.md", ROOT / "docs" / "evaluation-cloud.md"]
NEEDS_A_DEPLOYED_STACK = {
    "aws s3 cp examples/eval/dataset.jsonl s3://<BucketName output>/datasets/support.jsonl",
    "aws stepfunctions start-execution --state-machine-arn <StateMachineArn output>",
    "aws s3 cp s3://<BucketName>/reports/latest/report.html .",
}
LOCAL_SERVER = "http://127.0.0.1:8080/v1"  # "a llama-server of your own": the llama-small double here


def _demo() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fmkit_eval_demo", ROOT / "examples" / "eval" / "demo.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


demo = _demo()


def _blocks(path: Path, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", path.read_text(encoding="utf-8"), re.DOTALL | re.MULTILINE)


def commands() -> list[tuple[str, str, str]]:
    """(doc, command, its comment) for every line of every bash block."""
    found = []
    for doc in DOCS:
        for block in _blocks(doc, "bash"):
            for line in block.splitlines():
                command, _, comment = line.partition("  #")
                if command.strip() and not command.lstrip().startswith("#"):
                    found.append((doc.name, command.strip(), comment.strip()))
    return found


def test_every_command_is_known() -> None:
    found = commands()
    assert len([c for _, c, _ in found if c.startswith("fmkit ")]) >= 10
    others = {c for _, c, _ in found if not c.startswith("fmkit ")}
    assert others == {"make demo-eval"} | NEEDS_A_DEPLOYED_STACK
    assert not any("--price" in c or "claude" in c or "llama-graviton" in c for _, c, _ in found)


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """A working directory with the repo's config and examples, where eval-out/ lands."""
    for name in ("model_configs", "examples"):
        (tmp_path / name).symlink_to(ROOT / name)
    return tmp_path


def test_the_fmkit_commands_run_against_the_offline_demo(scratch: Path, capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLAMA_API_KEY", demo.DEMO_API_KEY)
    with demo.offline_dev(delays=False) as server:
        for doc, command, comment in commands():
            if not command.startswith("fmkit "):
                continue
            args = shlex.split(command.replace(LOCAL_SERVER, server.base_url("llama-small")))[1:]
            expected = int(match.group(1)) if (match := re.search(r"exits (\d)", comment)) else 0
            code = demo.run_cli(args, cwd=scratch)
            captured = capsys.readouterr()
            assert code == expected, f"{doc}: {command}\n{captured.out[-2000:]}\n{captured.err[-2000:]}"
            if "warns" in comment:
                assert "warning:" in captured.err, f"{doc}: {command} did not warn"
    assert demo.leaked(scratch / "eval-out", {"the demo key": demo.DEMO_API_KEY}) == []


def test_the_python_example_runs_against_the_offline_demo(scratch: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    (block,) = _blocks(DOCS[0], "python")
    monkeypatch.chdir(scratch)
    with demo.offline_dev(delays=False):
        exec(compile(block, "docs/evaluation.md", "exec"), {"__name__": "docs_example"})
    winner, cost = capsys.readouterr().out.split()
    assert winner in {"nova-lite", "llama-small"} and float(cost) == pytest.approx(0.144, abs=1e-3)
    assert (scratch / "eval-out" / "python" / "report.html").is_file()


def test_make_demo_eval_writes_every_section(tmp_path: Path) -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^demo-eval:.*\n(\t.*\n)*\t\$\(PY\) examples/eval/demo.py build/eval-demo$", makefile, re.M)
    assert demo.main(tmp_path, delays=False) == 0
    report = json.loads((tmp_path / "report.json").read_text())
    for model in ("qwen-chat", "nova-lite", "llama-small"):
        quality, cost = report["models"][model]["quality"], report["models"][model]["cost"]
        assert quality["judge"]["value"] is not None and quality["semantic_similarity"]["value"] is not None
        assert cost["usd_per_1k_requests_expected"] > 0 and cost["usd_per_1k_requests_marginal"] > 0
    assert report["holdout"]["flagged"] and report["judge"]["judges"] == ["qwen-chat", "nova-lite"]
    assert report["winners"][2]["model"] == "nova-lite"  # cheapest at expected traffic: Bedrock, not Graviton
    assert {path.name for path in tmp_path.iterdir()} >= {"report.json", "report.md", "report.html", "run.json"}
