"""The plan on the dashboard: the same figures `fmkit plan` computes, the tags that select each
deployment's spend in Cost Explorer, and a daily line the usage graphs compare with."""

from __future__ import annotations

import pytest

from fmkit.config import LoadedConfig
from fmkit.estimate import estimate_environment
from stacks.operations.money import DAYS_PER_MONTH, MoneyPlan, PlanRow, decimal, plan_markdown, plan_of

pytestmark = pytest.mark.infra


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_the_plan_is_fmkit_plan_s_estimate(env: str, default_config: LoadedConfig) -> None:
    config = default_config.environment(env)
    estimate = estimate_environment(config, with_recommendations=False)
    plan = plan_of(config)
    assert [(r.name, r.kind, r.usd[1], r.kg_co2e[1]) for r in plan.rows] == [
        (i.name, i.kind, i.footprint.usd.expected, i.footprint.kg_co2e.expected) for i in estimate.items]
    assert plan.total_usd == pytest.approx(estimate.footprint.usd.expected)
    assert plan.total_kg_co2e == pytest.approx(estimate.footprint.kg_co2e.expected)
    assert plan.budget_usd == config.project.budget.monthly_usd


def test_the_markdown_lists_each_row_the_total_and_the_cost_explorer_tags() -> None:
    plan = MoneyPlan(project="demo", environment="dev", region="eu-west-1", budget_usd=500.0, budget_kg_co2e=None,
                     rows=[PlanRow("chat", "bedrock", (10.0, 20.0, 30.0), (1.0, 2.0, 3.0)),
                           PlanRow("llama", "ec2-graviton", (150.0, 150.0, 150.0), (4.5, 4.5, 4.5)),
                           PlanRow("platform", "platform", (36.0, 36.0, 36.0), (0.0, 0.0, 0.0))])
    text = plan_markdown(plan)
    assert "| chat | bedrock | $20.00 ($10.00–$30.00) | 2.00 (1.00–3.00) | `fmkit:model = chat` |" in text
    assert "| llama | ec2-graviton | $150 ($150–$150) | 4.50 (4.50–4.50) | `fmkit:model = llama` |" in text
    assert "| platform | platform | $36.00 ($36.00–$36.00) | 0.00 (0.00–0.00) | — |" in text
    assert "| **total** | | **$206**" in text and "of a $500 budget" in text
    assert "`fmkit:project = demo` and `fmkit:environment = dev`" in text
    assert "fmkit plan dev" in text


def test_the_daily_line_is_the_monthly_figure_over_the_plan_s_month() -> None:
    row = PlanRow("chat", "bedrock", (0.0, 730.0, 0.0), (0.0, 0.0, 0.0))
    assert pytest.approx(729.6) == DAYS_PER_MONTH * 24  # the plan's month of 730 hours, in days
    assert row.usd_per_day == pytest.approx(730 / 30.4)


@pytest.mark.parametrize(("value", "text"), [(0.00006 * 1000, "0.06"), (0.000001234, "0.00000123"), (2.0, "2"),
                                             (1.5, "1.5"), (0.0, "0")])
def test_numbers_in_metric_math_are_plain_decimals(value: float, text: str) -> None:
    assert decimal(value) == text
