"""Alarms: a model scoring below a configured minimum, and runs that fail."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from fmkit.contracts.metrics import EVALUATION_NAMESPACE
from stacks.common.names import pascal


def score_metric(environment: str, model: str, metric: str) -> cloudwatch.Metric:
    """The datum the summarize step publishes (logic.headline_metrics)."""
    return cloudwatch.Metric(namespace=EVALUATION_NAMESPACE, metric_name="Value", statistic="Minimum",
                             period=cdk.Duration.days(1),
                             dimensions_map={"Environment": environment, "Model": model, "Metric": metric})


class EvaluationAlarms(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, environment: str, models: list[str],
                 min_scores: dict[str, float], state_machine: sfn.StateMachine, topic: sns.ITopic) -> None:
        super().__init__(scope, construct_id)
        action = actions.SnsAction(topic)
        self.score_alarms: list[cloudwatch.Alarm] = []
        for model in models:
            for metric, minimum in sorted(min_scores.items()):
                alarm = cloudwatch.Alarm(
                    self, f"{pascal(model)}{pascal(metric)}Below",
                    metric=score_metric(environment, model, metric), threshold=minimum,
                    comparison_operator=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD, evaluation_periods=1,
                    # Runs are scheduled (daily, weekly): between runs keep the last verdict.
                    treat_missing_data=cloudwatch.TreatMissingData.IGNORE,
                    alarm_description=f"fmkit {environment}: {model} scored below {metric} {minimum:g} "
                                      "in the last evaluation run (see reports/latest/report.html)")
                alarm.add_alarm_action(action)
                self.score_alarms.append(alarm)
        self.run_failed = cloudwatch.Alarm(
            self, "RunFailed", metric=state_machine.metric_failed(period=cdk.Duration.hours(1), statistic="Sum"),
            threshold=1, comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=1, treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=f"fmkit {environment}: an evaluation run failed (dataset invalid, endpoint "
                              "missing or too many failed batches)")
        self.run_failed.add_alarm_action(action)
