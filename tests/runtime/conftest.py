"""Runtime tests never talk to real AWS: fake credentials and a fixed region for every test here."""

from __future__ import annotations

import os

for _name, _value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    "POWERTOOLS_SERVICE_NAME": "runtime-tests",
    "AWS_LAMBDA_FUNCTION_NAME": "runtime-test",
}.items():
    os.environ[_name] = _value
os.environ.pop("AWS_PROFILE", None)
