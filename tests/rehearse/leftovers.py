"""What `cdk destroy` left behind on the emulator, said precisely (destroy is best effort on moto).

moto deletes a stack's resources in its own order and skips types it cannot delete; a VPC that
still has dependents then fails the stack's deletion. The report names those dependents.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

VPC_ID = re.compile(r"\b(vpc-[0-9a-f]+)\b")


def destroyed_and_failed(cli_output: str) -> tuple[list[str], list[str]]:
    """Stacks the CLI reports destroyed, and its `destroy failed` lines (stack and reason)."""
    destroyed, failed = [], []
    for line in cli_output.splitlines():
        if line.rstrip().endswith(": destroyed"):
            destroyed.append(line.split("(", 1)[-1].split(")", 1)[0])
        elif "destroy failed" in line:
            stack = line.split("(", 1)[-1].split(")", 1)[0]
            failed.append(f"{stack}: {line.split('destroy failed', 1)[1].strip()}")
    return destroyed, failed


def vpc_dependents(ec2: Any, vpc_id: str) -> str:
    """Count what still lives in `vpc_id`, by kind (what blocks its deletion)."""
    vpc_filter = [{"Name": "vpc-id", "Values": [vpc_id]}]
    left: Counter[str] = Counter()
    for interface in ec2.describe_network_interfaces(Filters=vpc_filter)["NetworkInterfaces"]:
        owner = "instance" if interface.get("Attachment", {}).get("InstanceId") else "other"
        left[f"network interfaces ({owner})"] += 1
    left["subnets"] = len(ec2.describe_subnets(Filters=vpc_filter)["Subnets"])
    left["NAT gateways"] = sum(1 for gateway in ec2.describe_nat_gateways(Filters=vpc_filter)["NatGateways"]
                               if gateway["State"] != "deleted")
    left["internet gateways"] = len(ec2.describe_internet_gateways(
        Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])["InternetGateways"])
    left["VPC endpoints"] = len(ec2.describe_vpc_endpoints(Filters=vpc_filter)["VpcEndpoints"])
    left["route tables"] = sum(1 for table in ec2.describe_route_tables(Filters=vpc_filter)["RouteTables"]
                               if not any(association.get("Main") for association in table.get("Associations", [])))
    left["instances"] = sum(len(reservation["Instances"]) for reservation in ec2.describe_instances(
        Filters=[*vpc_filter, {"Name": "instance-state-name", "Values": ["pending", "running", "stopped"]}],
    )["Reservations"])
    kept = [f"{count} {kind}" for kind, count in left.items() if count]
    return f"{vpc_id} still has {', '.join(kept) or 'no dependents moto reports'}"


def explain(failures: list[str], ec2: Any) -> list[str]:
    """Each failure, with the dependents of the VPC it names."""
    explained = []
    for failure in failures:
        match = VPC_ID.search(failure)
        explained.append(f"{failure} ({vpc_dependents(ec2, match.group(1))})" if match else failure)
    return explained
