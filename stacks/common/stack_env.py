"""The account and region of the stack a construct is in, as literals.

Constructs that resolve catalog facts by region (a Bedrock route, a serving image) or write
account-scoped ARNs into IAM conditions need them at synth time. Every stack of the kit
has an explicit environment (the Stage's, from config); a construct built in a stack
without one fails here with a clear message rather than writing `${Token[...]}` somewhere.
"""

from __future__ import annotations

import aws_cdk as cdk
from constructs import IConstruct


class EnvironmentAgnosticStack(ValueError):
    """The stack has no explicit account or region."""


def stack_region(scope: IConstruct) -> str:
    return _literal(cdk.Stack.of(scope).region, "region", scope)


def stack_account(scope: IConstruct) -> str:
    return _literal(cdk.Stack.of(scope).account, "account", scope)


def _literal(value: str, what: str, scope: IConstruct) -> str:
    if cdk.Token.is_unresolved(value):
        raise EnvironmentAgnosticStack(
            f"{scope.node.path}: its stack needs an explicit {what} (env=cdk.Environment(account=…, region=…))")
    return value
