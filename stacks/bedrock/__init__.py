"""Bedrock access: inference profiles, guardrails, invoke policies and invocation logging."""
