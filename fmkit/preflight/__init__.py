"""`fmkit preflight ENV`: check the target account before `cdk deploy`, with the deployer's credentials.

Everything `fmkit validate` cannot know offline: that the credentials reach the configured account,
the CDK bootstrap stack is there at a version the templates need, Bedrock models are accessible,
JumpStart artifacts exist, service quotas cover what the config asks for at peak, and the regional
services the config uses are offered. Read-only calls only; nothing is created.
"""

from fmkit.preflight.report import CannotCheck, CheckResult, PreflightReport, Status
from fmkit.preflight.runner import run_preflight

__all__ = ["CannotCheck", "CheckResult", "PreflightReport", "Status", "run_preflight"]
