"""docs/customization.md shows what the kit prints: the plan's customization lines for the example."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from fmkit.cli.commands import app

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "customization.md"


def test_the_cost_table_is_the_plan_of_the_example() -> None:
    result = CliRunner().invoke(app, ["plan", "--config-dir", str(ROOT / "examples/configs/customization"),
                                      "--format", "markdown"])
    assert result.exit_code == 0, result.stdout
    rows = [line for line in result.stdout.splitlines() if line.startswith("| customization:")]
    assert len(rows) == 2
    doc = DOC.read_text(encoding="utf-8")
    for row in rows:
        assert row.rsplit("|", 2)[0] + "|" in doc, row  # every column but the empty $/1M out tok


def test_every_rule_of_the_customizations_is_documented() -> None:
    from fmkit.validate import RULES

    doc = DOC.read_text(encoding="utf-8")
    assert [r for r in RULES if r.startswith("customization-") and f"`{r}`" not in doc] == []
