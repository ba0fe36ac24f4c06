"""OperationsStack: the environment's dashboard, in the environment's own Stage.

A stack of its own rather than a part of the platform or a provider stack: the dashboard
reads every capability (the platform is built before them; a provider stack sees only its
models), and it only reads — so every reference it takes is weak (`Fn::GetStackOutput`, no
Export): redeploying, replacing or removing a model never waits for the dashboard.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import Construct

from stacks.common.naming import Naming
from stacks.operations.dashboard import EnvironmentDashboard
from stacks.operations.money import MoneyPlan
from stacks.operations.sources import OperationsSources


class OperationsStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, naming: Naming, sources: OperationsSources,
                 plan: MoneyPlan, **kwargs: Any) -> None:
        super().__init__(scope, construct_id,
                         description=f"fmkit {naming.environment}: operations dashboard (metrics, alarms, "
                                     "cost and carbon)", **kwargs)
        # Before any child: the strength is read from this scope's context when references resolve.
        cdk.CrossStackReferences.of(self).consume(cdk.ReferenceStrength.WEAK)
        self.dashboard = EnvironmentDashboard(self, "Dashboard", naming=naming, sources=sources, plan=plan)
        cdk.CfnOutput(self, "DashboardUrl", description="The environment's CloudWatch dashboard",
                      value=f"https://{self.region}.console.aws.amazon.com/cloudwatch/home?region={self.region}"
                            f"#dashboards/dashboard/{self.dashboard.dashboard_name}")
