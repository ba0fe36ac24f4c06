"""`EnvironmentDashboard`: one CloudWatch dashboard with everything an environment runs.

Top to bottom: the plan's money and carbon, every alarm of the environment, then a section per
model deployment (Bedrock, SageMaker, Graviton, in name order), per knowledge base and for the
evaluation. One dashboard per environment rather than one per deployment: a reader scrolls one
page during an incident, and the account pays for one dashboard (CloudWatch bills each one
beyond the first three).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from stacks.common.naming import Naming
from stacks.operations.capability_sections import evaluation_section, knowledge_section
from stacks.operations.model_sections import bedrock_section, graviton_section, sagemaker_section
from stacks.operations.money import MoneyPlan, plan_widget
from stacks.operations.sources import OperationsSources
from stacks.operations.widgets import FULL_WIDTH, alarm_status, header

MAX_ALARMS_PER_WIDGET = 100
"""CloudWatch's limit for one alarm status widget."""


def rows(widgets: Iterable[cloudwatch.IWidget], width: int = FULL_WIDTH) -> list[list[cloudwatch.IWidget]]:
    """Widgets in reading order, wrapped into rows no wider than the grid."""
    out: list[list[cloudwatch.IWidget]] = []
    used: float = width
    for widget in widgets:
        if used + widget.width > width:
            out.append([])
            used = 0
        out[-1].append(widget)
        used += widget.width
    return out


def sections(sources: OperationsSources, plan: MoneyPlan) -> list[list[cloudwatch.IWidget]]:
    """Every section's widgets, models first (by name), then knowledge bases and the evaluation."""
    models: list[tuple[str, list[cloudwatch.IWidget]]] = []
    models += [(s.name, bedrock_section(s, plan.row(s.name))) for s in sources.bedrock]
    models += [(s.name, sagemaker_section(s, plan.row(s.name))) for s in sources.sagemaker]
    models += [(s.name, graviton_section(s, plan.row(s.name))) for s in sources.graviton]
    out = [widgets for _, widgets in sorted(models, key=lambda item: item[0])]
    out += [knowledge_section(s) for s in sources.knowledge]
    if sources.evaluation is not None:
        out.append(evaluation_section(sources.evaluation))
    return out


def all_alarms(sources: OperationsSources) -> list[cloudwatch.IAlarm]:
    groups: list[Sequence[cloudwatch.IAlarm]] = [
        *(s.alarms for s in sources.bedrock), *(s.alarms for s in sources.sagemaker),
        *(s.alarms for s in sources.graviton), *(s.alarms for s in sources.knowledge)]
    if sources.evaluation is not None:
        groups.append(sources.evaluation.alarms)
    groups.append(sources.other_alarms)
    return [alarm for group in groups for alarm in group]


class EnvironmentDashboard(Construct):
    """The dashboard named after the environment's prefix (e.g. `fmkit-demo-dev`)."""

    def __init__(self, scope: Construct, construct_id: str, *, naming: Naming, sources: OperationsSources,
                 plan: MoneyPlan) -> None:
        super().__init__(scope, construct_id)
        self.dashboard_name = naming.prefix
        self.dashboard = cloudwatch.Dashboard(self, "Dashboard", dashboard_name=self.dashboard_name,
                                              period_override=cloudwatch.PeriodOverride.AUTO)
        self.dashboard.add_widgets(header(f"# {naming.project} — {naming.environment}"))
        self.dashboard.add_widgets(plan_widget(plan))
        alarms = all_alarms(sources)
        for start in range(0, len(alarms), MAX_ALARMS_PER_WIDGET):
            self.dashboard.add_widgets(alarm_status(f"{naming.environment}: every alarm",
                                                    alarms[start:start + MAX_ALARMS_PER_WIDGET], width=FULL_WIDTH))
        for section in sections(sources, plan):
            for row in rows(section):
                self.dashboard.add_widgets(*row)
