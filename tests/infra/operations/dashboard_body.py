"""Read a synthesized dashboard: the body's JSON with every CloudFormation token made readable.

`DashboardBody` is an `Fn::Join` of JSON text and tokens; a token becomes a string naming what
it reads (`GetStackOutput:<output>`, `Ref:<logical id>`, or its JSON), so tests compare widgets
as CloudWatch will see them, with the references spelled out.
"""

from __future__ import annotations

import json
from typing import Any

from aws_cdk.assertions import Template


def _token_text(token: Any) -> str:
    if isinstance(token, dict) and "Fn::GetStackOutput" in token:
        return f"GetStackOutput:{token['Fn::GetStackOutput']['StackName']}:{token['Fn::GetStackOutput']['OutputName']}"
    if isinstance(token, dict) and "Ref" in token:
        return f"Ref:{token['Ref']}"
    return json.dumps(token, sort_keys=True)


def _render(body: Any) -> str:
    if isinstance(body, str):
        return body
    separator, parts = body["Fn::Join"]
    assert separator == ""
    text = []
    for part in parts:
        # Tokens sit inside JSON string literals: escape what the readable form would break.
        text.append(part if isinstance(part, str) else json.dumps(_token_text(part))[1:-1])
    return "".join(text)


def dashboards(template: Template) -> dict[str, dict[str, Any]]:
    """Dashboard name -> parsed body, for every dashboard of the template."""
    out = {}
    for resource in template.find_resources("AWS::CloudWatch::Dashboard").values():
        properties = resource["Properties"]
        out[properties["DashboardName"]] = json.loads(_render(properties["DashboardBody"]))
    return out


def widgets(template: Template) -> list[dict[str, Any]]:
    """The widgets of the template's only dashboard."""
    [body] = dashboards(template).values()
    return list(body["widgets"])


def titled(all_widgets: list[dict[str, Any]], title: str) -> dict[str, Any]:
    """The one widget titled `title`."""
    found = [w for w in all_widgets if w["properties"].get("title") == title]
    titles = [w["properties"].get("title") for w in all_widgets]
    assert len(found) == 1, f"{len(found)} widgets titled {title!r}: {titles}"
    return found[0]


def metric_rows(widget: dict[str, Any]) -> list[list[Any]]:
    """The widget's metric rows (namespace, name, dimension pairs..., options), expressions included."""
    return list(widget["properties"].get("metrics", []))


def plain_metrics(widget: dict[str, Any]) -> list[tuple[str, str, dict[str, str], dict[str, Any]]]:
    """(namespace, metric, dimensions, options) of each row that is a metric, not an expression."""
    out = []
    for row in metric_rows(widget):
        if isinstance(row[0], dict):  # [{"expression": ...}]
            continue
        fields, options = (row[:-1], row[-1]) if isinstance(row[-1], dict) else (row, {})
        namespace, name, *pairs = fields
        out.append((namespace, name, dict(zip(pairs[::2], pairs[1::2], strict=True)), options))
    return out


def expressions(widget: dict[str, Any]) -> list[dict[str, Any]]:
    """The options of each metric-math row of the widget."""
    return [row[0] for row in metric_rows(widget) if len(row) == 1 and isinstance(row[0], dict)
            and "expression" in row[0]]
