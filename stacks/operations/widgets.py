"""Small builders every section of the dashboard shares: a graph, a section header, a metric.

CloudWatch lays widgets on a 24-column grid; a section is a header row and rows of graphs a
quarter (6 columns) wide, so four families of one deployment sit side by side.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch

FIVE_MINUTES = cdk.Duration.minutes(5)
ONE_MINUTE = cdk.Duration.minutes(1)
ONE_DAY = cdk.Duration.days(1)
GRAPH_WIDTH, GRAPH_HEIGHT, FULL_WIDTH = 6, 6, 24
PERCENTILES = ("p50", "p95", "p99")


def metric(namespace: str, name: str, dimensions: Mapping[str, str], statistic: str = "Sum", *,
           period: cdk.Duration = FIVE_MINUTES, label: str | None = None) -> cloudwatch.Metric:
    return cloudwatch.Metric(namespace=namespace, metric_name=name, dimensions_map=dict(dimensions),
                             statistic=statistic, period=period, label=label)


def percentiles(namespace: str, name: str, dimensions: Mapping[str, str]) -> list[cloudwatch.IMetric]:
    """p50, p95 and p99 of one latency metric."""
    return [metric(namespace, name, dimensions, p, label=p) for p in PERCENTILES]


def graph(title: str, left: Sequence[cloudwatch.IMetric], *, right: Sequence[cloudwatch.IMetric] = (),
          left_label: str | None = None, right_label: str | None = None,
          annotations: Sequence[cloudwatch.HorizontalAnnotation] = (), width: int = GRAPH_WIDTH,
          stacked: bool = False) -> cloudwatch.GraphWidget:
    """A line graph starting at zero (a quiet metric reads 0, not a floating line)."""
    return cloudwatch.GraphWidget(
        title=title, left=list(left), right=list(right) or None, width=width, height=GRAPH_HEIGHT,
        left_y_axis=cloudwatch.YAxisProps(min=0, label=left_label, show_units=False),
        right_y_axis=cloudwatch.YAxisProps(min=0, label=right_label, show_units=False) if right else None,
        left_annotations=list(annotations) or None, stacked=stacked,
        view=cloudwatch.GraphWidgetView.TIME_SERIES)


def header(markdown: str) -> cloudwatch.TextWidget:
    """A full-width title row opening a section."""
    return cloudwatch.TextWidget(markdown=markdown, width=FULL_WIDTH, height=1,
                                 background=cloudwatch.TextWidgetBackground.TRANSPARENT)


def alarm_status(title: str, alarms: Sequence[cloudwatch.IAlarm], width: int = GRAPH_WIDTH) -> cloudwatch.IWidget:
    """The state of `alarms`, most severe first."""
    rows = max(1, -(-len(alarms) // 2))
    return cloudwatch.AlarmStatusWidget(title=title, alarms=list(alarms), width=width, height=1 + 2 * rows,
                                        sort_by=cloudwatch.AlarmStatusWidgetSortBy.STATE_UPDATED_TIMESTAMP)
