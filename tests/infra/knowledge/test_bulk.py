"""Bulk re-ingestion: a bounded Distributed Map whose failures land in a report."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk.assertions import Template

from stacks.knowledge.bulk import BULK_BATCH, RUN_TIMEOUT_HOURS
from tests.infra.knowledge.synth import one, python_functions


def test_bulk_reingestion_is_a_bounded_distributed_map_with_a_report(s3v: Template) -> None:
    _, machine = one(s3v, "AWS::StepFunctions::StateMachine")
    definition = json.dumps(machine["Properties"]["DefinitionString"])
    for expected in ('\\"Mode\\":\\"DISTRIBUTED\\"', '\\"MaxConcurrency\\":40', ":states:::s3:listObjectsV2",
                     '\\"Prefix\\":\\"docs/\\"', ":states:::s3:putObject", '\\"ToleratedFailurePercentage\\":100',
                     '\\"ErrorEquals\\":[\\"TransientIngestError\\"]'):
        assert expected in definition, expected
    assert machine["Properties"]["TracingConfiguration"] == {"Enabled": True}


def bulk_machine(template: Template) -> dict[str, Any]:
    [machine] = [m for logical_id, m in template.find_resources("AWS::StepFunctions::StateMachine").items()
                 if "BulkStateMachine" in logical_id]
    return dict(machine)


def states_of(template: Template) -> dict[str, Any]:
    """The bulk state machine's states, the maps' item processors included (tokens left as JSON)."""
    machine = bulk_machine(template)
    parts = machine["Properties"]["DefinitionString"]["Fn::Join"][1]
    text = "".join(p if isinstance(p, str) else json.dumps(p).replace('"', "'") for p in parts)
    definition = json.loads(text)
    states: dict[str, Any] = dict(definition["States"])
    for state in definition["States"].values():
        states.update(state.get("ItemProcessor", {}).get("States", {}))
    return {**states, "__start__": definition["StartAt"]}


def test_s3_vectors_reingest_one_object_per_invocation(s3v: Template) -> None:
    states = states_of(s3v)
    assert states["__start__"] == "Ingest docs" and "ItemBatcher" not in states["Ingest docs"]
    assert not any(name.startswith(("BeginBulkLoad", "FinishBulkLoad")) for name in states)


def test_aurora_reingest_begins_a_bulk_load_batches_and_builds_the_index_once(aurora: Template) -> None:
    states = states_of(aurora)
    begin, finish, after_failure = (states[n] for n in ("BeginBulkLoad", "FinishBulkLoad",
                                                        "FinishBulkLoadAfterFailure"))
    assert states["__start__"] == "BeginBulkLoad" and begin["Next"] == "Ingest all"  # no prefixes: one map
    ingest = states["Ingest all"]
    assert ingest["Next"] == "FinishBulkLoad" and finish["End"] is True
    assert ingest["ItemBatcher"]["MaxItemsPerBatch"] == BULK_BATCH
    assert set(ingest["ItemBatcher"]["BatchInput"]) == {"bucket"}
    assert ingest["Catch"][0]["Next"] == "FinishBulkLoadAfterFailure"
    assert after_failure["Next"] == "BulkLoadFailed" and states["BulkLoadFailed"]["Type"] == "Fail"
    for step, action in ((begin, "begin"), (finish, "finish"), (after_failure, "finish")):
        assert step["Parameters"] == {"action": action, "job.$": "$$.Execution.Name"}
    waits = [r for r in finish["Retry"] if "IndexBuildInProgress" in r["ErrorEquals"]]
    assert waits and "Lambda.Unknown" in waits[0]["ErrorEquals"] and waits[0]["MaxAttempts"] >= 30

    functions = python_functions(aurora)
    index = functions["bulk.index_handler:knowledge-bulk-index"]
    assert index["Timeout"] == 900 and "VpcConfig" in index
    assert functions["bulk.handler:knowledge-bulk"]["Timeout"] == 900  # a batch of objects per invocation


def test_the_store_forgets_a_bulk_load_when_the_state_machine_gives_up(aurora: Template) -> None:
    from fmkit.knowledge.stores.pgvector_bulk import STALE_AFTER

    machine = bulk_machine(aurora)
    assert f'"TimeoutSeconds":{RUN_TIMEOUT_HOURS * 3600}' in json.dumps(machine).replace('\\"', '"')
    assert f"{RUN_TIMEOUT_HOURS} hours" == STALE_AFTER
