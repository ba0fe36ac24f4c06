"""The rehearsal's comparisons and reports, on hand-written values (no emulator)."""

from __future__ import annotations

from typing import Any

from tests.rehearse.assembly import literal_fragments
from tests.rehearse.compare import UNRESOLVED, compare_properties, mismatches
from tests.rehearse.leftovers import destroyed_and_failed

REFS = {"Vpc": "vpc-1", "SubnetA": "subnet-a", "SubnetB": "subnet-b"}


def resolve(node: dict[str, Any]) -> Any:
    return REFS.get(node.get("Ref", ""), UNRESOLVED)


def test_equal_values_pass_and_extra_keys_in_the_emulator_are_fine() -> None:
    assert mismatches({"Port": 8080, "Matcher": {"HttpCode": "200"}},
                      {"Port": 8080, "Matcher": {"HttpCode": "200", "GrpcCode": None}, "Extra": 1}, "tg", resolve) == []


def test_a_different_or_missing_value_is_reported_with_its_path() -> None:
    problems = mismatches({"Port": 8080, "Matcher": {"HttpCode": "200"}}, {"Port": 80, "Matcher": {}}, "tg", resolve)
    assert problems == ["tg.Port: template 8080, emulator 80",
                        "tg.Matcher.HttpCode: missing in the emulator (template: '200')"]


def test_numbers_and_booleans_compare_as_cloudformation_strings() -> None:
    assert mismatches({"MaxSize": "3", "Enabled": "true"}, {"MaxSize": 3, "Enabled": True}, "asg", resolve) == []
    assert mismatches({"MaxSize": "3"}, {"MaxSize": 2}, "asg", resolve) != []


def test_intrinsics_are_resolved_or_skipped() -> None:
    assert mismatches({"VpcId": {"Ref": "Vpc"}}, {"VpcId": "vpc-2"}, "tg", resolve) == [
        "tg.VpcId: template 'vpc-1', emulator 'vpc-2'"]
    assert mismatches({"Role": {"Fn::GetAtt": ["Role", "Arn"]}}, {"Role": "anything"}, "fn", resolve) == []


def test_tags_compare_as_maps_and_id_lists_as_sets() -> None:
    properties = {"Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}],
                  "Subnets": [{"Ref": "SubnetA"}, {"Ref": "SubnetB"}]}
    actual = {"Tags": [{"Key": "b", "Value": "2"}, {"Key": "aws:cloudformation:stack-name", "Value": "s"},
                       {"Key": "a", "Value": "1"}], "Subnets": ["subnet-b", "subnet-a"]}
    assert compare_properties(properties, actual, ("Tags", "Subnets"), "lb", resolve) == []
    actual["Subnets"] = ["subnet-b"]
    assert compare_properties(properties, actual, ("Tags", "Subnets"), "lb", resolve) != []


def test_literal_fragments_of_user_data_skip_what_deploy_resolves() -> None:
    user_data = {"Fn::Base64": {"Fn::Join": ["", ["#!/bin/bash\nBUCKET=", {"Ref": "Bucket"}, "\nrun\n"]]}}
    assert literal_fragments(user_data) == ["#!/bin/bash\nBUCKET=", "\nrun\n"]
    assert literal_fragments({"Fn::Sub": "a-${AWS::Region}-b"}) == ["a-", "-b"]


def test_destroy_output_is_split_into_destroyed_stacks_and_failures() -> None:
    output = ("✅  dev/Knowledge (fmkit-demo-dev-knowledge): destroyed\n"
              "❌  dev/Platform (fmkit-demo-dev-platform): destroy failed DeploymentError: The vpc vpc-1 has "
              "dependencies and cannot be deleted.\n")
    destroyed, failed = destroyed_and_failed(output)
    assert destroyed == ["fmkit-demo-dev-knowledge"]
    assert failed == ["fmkit-demo-dev-platform: DeploymentError: The vpc vpc-1 has dependencies and cannot be "
                      "deleted."]


def test_a_cross_stack_attribute_may_hold_the_resource_or_be_part_of_it() -> None:
    from tests.rehearse.assembly import StackArtifact
    from tests.rehearse.readback import Deployed, Findings, check_cross_stack

    queue_url = "https://sqs.eu-west-1.amazonaws.com/111111111111/kb-Queue-ABC"
    producer = StackArtifact("p", "producer", "111111111111", "eu-west-1", {"Resources": {}, "Outputs": {
        "QueueName": {"Value": {"Fn::GetAtt": ["Queue", "QueueName"]}},
        "QueueArn": {"Value": {"Fn::GetAtt": ["Queue", "Arn"]}}}})
    consumer = StackArtifact("c", "consumer", "111111111111", "eu-west-1", {"Resources": {"Board": {"Properties": {
        "A": {"Fn::GetStackOutput": {"StackName": "producer", "OutputName": "QueueName"}},
        "B": {"Fn::GetStackOutput": {"StackName": "producer", "OutputName": "QueueArn"}}}}}})
    outputs = {"QueueName": "kb-Queue-ABC", "QueueArn": "arn:aws:sqs:eu-west-1:111111111111:other-queue"}
    findings = Findings()
    check_cross_stack([producer, consumer], Deployed({}, {"producer": {"Queue": queue_url}}, {}, {"producer": outputs}),
                      findings)
    assert findings.checked["cross-stack"] == 2
    assert findings.problems == [f"consumer ← producer.QueueArn: value {outputs['QueueArn']!r} is not the resource "
                                 f"({queue_url!r})"]
