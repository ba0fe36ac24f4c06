"""SQL for the carbon export and the Athena comparison (pure strings: no CDK, unit-testable).

The comparison query carries fmkit's estimates inline (a VALUES list written at synth time), so the
numbers AWS measures can be compared with what `fmkit plan` predicted without uploading anything.
"""

from __future__ import annotations

from collections import defaultdict

from fmkit.estimate.model import EnvironmentEstimate

# Columns of the CARBON_EMISSIONS table (AWS Data Exports table dictionary) and their Glue types.
CARBON_COLUMNS: tuple[tuple[str, str], ...] = (
    ("last_refresh_timestamp", "timestamp"),
    ("location", "string"),
    ("model_version", "string"),
    ("payer_account_id", "string"),
    ("product_code", "string"),
    ("region_code", "string"),
    ("total_lbm_emissions_unit", "string"),
    ("total_lbm_emissions_value", "double"),
    ("total_mbm_emissions_unit", "string"),
    ("total_mbm_emissions_value", "double"),
    ("usage_account_id", "string"),
    ("usage_period_end", "timestamp"),
    ("usage_period_start", "timestamp"),
)
EXPORT_QUERY = f"SELECT {', '.join(name for name, _ in CARBON_COLUMNS)} FROM CARBON_EMISSIONS"

# Product codes the carbon table reports usage under, per kind of estimate item.
PRODUCT_CODES = {
    "bedrock": "AmazonBedrock",
    "sagemaker": "AmazonSageMaker",
    "ec2-graviton": "AmazonEC2",
    "s3-vectors": "AmazonS3",
    "opensearch-serverless": "AmazonES",
    "aurora-pgvector": "AmazonRDS",
}


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def estimate_rows(estimate: EnvironmentEstimate, stores: dict[str, str]) -> list[tuple[str, str, float, float, float]]:
    """(region, product code, low, expected, high kg CO2e/month) summed per product; zero rows dropped."""
    sums: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for item in estimate.items:
        kind = stores.get(item.name, item.kind)
        code = PRODUCT_CODES.get(kind)
        kg = item.footprint.kg_co2e
        if code is None or kg.high == 0:
            continue
        row = sums[(item.region, code)]
        row[0] += kg.low
        row[1] += kg.expected
        row[2] += kg.high
    return [(region, code, *values) for (region, code), values in sorted(sums.items())]  # type: ignore[misc]


def comparison_query(database: str, table: str, rows: list[tuple[str, str, float, float, float]]) -> str:
    """Measured (location- and market-based, kg) vs estimated kg CO2e per month, region and service."""
    source = f'"{database}"."{table}"'
    values = ",\n    ".join(
        f"({_literal(region)}, {_literal(code)}, {low:.3f}, {expected:.3f}, {high:.3f})"
        for region, code, low, expected, high in rows
    ) or "(CAST(NULL AS varchar), CAST(NULL AS varchar), 0.0, 0.0, 0.0)"
    return f"""-- fmkit: AWS-measured carbon emissions vs fmkit plan estimates (kg CO2e per month)
WITH measured AS (
  SELECT date_trunc('month', usage_period_start) AS month, region_code, product_code,
         sum(total_lbm_emissions_value) * 1000 AS measured_kg_location_based,
         sum(total_mbm_emissions_value) * 1000 AS measured_kg_market_based
  FROM {source}
  WHERE model_version = (SELECT max(model_version) FROM {source})
  GROUP BY 1, 2, 3
),
estimated (region_code, product_code, est_kg_low, est_kg_expected, est_kg_high) AS (
  VALUES
    {values}
)
SELECT m.month,
       coalesce(m.region_code, e.region_code) AS region_code,
       coalesce(m.product_code, e.product_code) AS product_code,
       m.measured_kg_location_based, m.measured_kg_market_based,
       e.est_kg_low, e.est_kg_expected, e.est_kg_high,
       m.measured_kg_location_based / nullif(e.est_kg_expected, 0) AS measured_to_estimate
FROM measured m
FULL OUTER JOIN estimated e ON m.region_code = e.region_code AND m.product_code = e.product_code
ORDER BY 1 DESC, 2, 3
"""


def monthly_query(database: str, table: str) -> str:
    """Measured emissions per month, region and service (latest methodology only)."""
    source = f'"{database}"."{table}"'
    return f"""-- fmkit: AWS-measured carbon emissions per month, region and service (kg CO2e)
SELECT date_trunc('month', usage_period_start) AS month, region_code, product_code,
       sum(total_lbm_emissions_value) * 1000 AS kg_location_based,
       sum(total_mbm_emissions_value) * 1000 AS kg_market_based
FROM {source}
WHERE model_version = (SELECT max(model_version) FROM {source})
GROUP BY 1, 2, 3
ORDER BY 1 DESC, 4 DESC
"""
