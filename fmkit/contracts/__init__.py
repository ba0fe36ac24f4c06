"""Contracts: the names and shapes two sides of a boundary must agree on, defined once.

The bottom layer of fmkit: it imports nothing else from the kit (pydantic and the standard
library only), so a stack that writes an environment variable, SSM parameter or metric and
the Lambda or CLI that reads it import the same definition. Lambda bundles ship this package.
"""
