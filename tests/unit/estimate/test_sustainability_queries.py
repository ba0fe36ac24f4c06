"""The Athena SQL the sustainability stack saves: estimates summed per region/service, safely quoted."""

from __future__ import annotations

from fmkit.estimate.model import DeploymentEstimate, EnvironmentEstimate, Footprint, Range
from stacks.sustainability.queries import EXPORT_QUERY, comparison_query, estimate_rows


def _item(name: str, kind: str, kg: float) -> DeploymentEstimate:
    return DeploymentEstimate(name, kind, "eu-west-1", Footprint(kg_operational=Range(kg / 2, kg, kg * 1.5)))


def test_rows_sum_per_product_and_skip_zero_and_unmapped_items() -> None:
    est = EnvironmentEstimate("dev", "eu-west-1", 278.6, (
        _item("a", "sagemaker", 10.0), _item("b", "sagemaker", 2.0), _item("c", "bedrock", 1.0),
        _item("kb:docs", "knowledge-base", 0.5), _item("platform", "platform", 0.0), _item("z", "bedrock", 0.0)))
    rows = estimate_rows(est, {"kb:docs": "opensearch-serverless"})
    assert rows == [("eu-west-1", "AmazonBedrock", 0.5, 1.0, 1.5), ("eu-west-1", "AmazonES", 0.25, 0.5, 0.75),
                    ("eu-west-1", "AmazonSageMaker", 6.0, 12.0, 18.0)]


def test_comparison_query_inlines_estimates_and_quotes_literals() -> None:
    sql = comparison_query("db", "carbon_emissions", [("eu-west-1", "O'Brien", 1.0, 2.0, 3.0)])
    assert "('eu-west-1', 'O''Brien', 1.000, 2.000, 3.000)" in sql
    assert 'FROM "db"."carbon_emissions"' in sql and "max(model_version)" in sql
    assert "VALUES" in comparison_query("db", "t", [])  # still valid SQL with no estimate


def test_export_selects_the_carbon_table() -> None:
    assert EXPORT_QUERY.startswith("SELECT last_refresh_timestamp, location, model_version")
    assert EXPORT_QUERY.endswith("FROM CARBON_EMISSIONS")
