"""Guardrail evaluation: does the deployed guardrail block what it must, and only that?

- `suite`: the shipped suite (`data/suite.yaml`: prompt attacks, content categories, one case
  per Bedrock PII entity type, must-pass requests) or a user's YAML/JSONL suite; the cases a
  guardrail's config implies (each denied topic's examples, each blocked word);
- `client`: `ApplyGuardrail` on the published version, with retries, and what each policy did;
- `runner`: outcomes → block rate and false-block rate, overall and per policy.

Config-free: the CLI (`fmkit eval-guardrail`) turns `GuardrailConfig` into `GuardrailPolicies`.
"""

from .client import GuardrailClient, MalformedResponse, Outcome, parse_response
from .runner import METRICS, run_suite, summarize
from .suite import GuardrailCase, GuardrailPolicies, SuiteError, load_suite, parse_suite, select_cases

__all__ = [
    "METRICS",
    "GuardrailCase",
    "GuardrailClient",
    "GuardrailPolicies",
    "MalformedResponse",
    "Outcome",
    "SuiteError",
    "load_suite",
    "parse_response",
    "parse_suite",
    "run_suite",
    "select_cases",
    "summarize",
]
