"""Bulk re-ingestion: a bounded Distributed Map whose failures land in a report."""

from __future__ import annotations

import json

from aws_cdk.assertions import Template

from tests.infra.knowledge.synth import one


def test_bulk_reingestion_is_a_bounded_distributed_map_with_a_report(s3v: Template) -> None:
    _, machine = one(s3v, "AWS::StepFunctions::StateMachine")
    definition = json.dumps(machine["Properties"]["DefinitionString"])
    for expected in ('\\"Mode\\":\\"DISTRIBUTED\\"', '\\"MaxConcurrency\\":40', ":states:::s3:listObjectsV2",
                     '\\"Prefix\\":\\"docs/\\"', ":states:::s3:putObject", '\\"ToleratedFailurePercentage\\":100',
                     '\\"ErrorEquals\\":[\\"TransientIngestError\\"]'):
        assert expected in definition, expected
    assert machine["Properties"]["TracingConfiguration"] == {"Enabled": True}
