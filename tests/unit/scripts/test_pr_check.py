"""The pull-request check: the workflow is valid against GitHub's published schema, and the comment
it posts (plan deltas + cdk diff summary) is rendered from fixtures."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import jsonschema
from check_jsonschema.builtin_schemas import get_builtin_schema
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[3]
WORKFLOW = ROOT / ".github" / "workflows" / "fmkit-pr.yml"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("pr_check", ROOT / "scripts" / "pr_check.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["pr_check"] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def test_workflow_matches_the_github_workflow_schema() -> None:
    schema = get_builtin_schema("vendor.github-workflows")
    workflow = YAML(typ="safe").load(WORKFLOW.read_text())
    jsonschema.validate(json.loads(json.dumps(workflow)), schema)


def test_workflow_runs_the_promised_steps_and_pins_actions_by_commit() -> None:
    text = WORKFLOW.read_text()
    for command in (".venv/bin/fmkit validate", "make synth", "fmkit plan --baseline", "--fail-over-budget",
                    "scripts/pr_check.py diff-summary", "scripts/pr_check.py comment"):
        assert command in text, command
    workflow = YAML(typ="safe").load(text)
    uses = [step["uses"] for job in workflow["jobs"].values() for step in job["steps"] if "uses" in step]
    assert uses and all(len(u.split("@")[1]) == 40 for u in uses), uses


def test_cdk_diff_summary_from_a_fixture() -> None:
    script = load_script()
    stacks = script.parse_cdk_diff((ROOT / "tests" / "fixtures" / "cdk_diff_dev.txt").read_text())
    assert [s.name for s in stacks] == ["dev/Platform", "dev/Graviton", "dev/Knowledge"]
    summary = script.render_diff_summary("dev", stacks, 1)
    assert "`dev/Platform`" not in summary
    assert "`dev/Graviton`: 1 to add, 2 to update, 1 to destroy" in summary
    assert "`dev/Knowledge`: 1 to update" in summary
    assert "⚠️ replaces Docs/Store/Index (AWS::S3Vectors::Index)" in summary
    assert "failed (exit 2)" in script.render_diff_summary("dev", [], 2)
    assert "no infrastructure changes" in script.render_diff_summary("prod", [], 0)


def test_comment_starts_with_the_marker_and_carries_both_parts(tmp_path: Path) -> None:
    script = load_script()
    plan = "<!-- fmkit-plan-delta -->\n## fmkit plan: what this change costs\n\n| dev | +12.00 |\n"
    comment = script.render_comment(plan, "### cdk diff\n\n- **dev**: no infrastructure changes\n")
    assert comment.startswith("<!-- fmkit-plan-delta -->\n## fmkit plan")
    assert comment.count("<!-- fmkit-plan-delta -->") == 1
    assert comment.endswith("- **dev**: no infrastructure changes\n")
    without_diff = script.render_comment("## plan\n", None)
    assert without_diff.startswith("<!-- fmkit-plan-delta -->") and "FMKIT_DIFF_ROLE_ARN" in without_diff
