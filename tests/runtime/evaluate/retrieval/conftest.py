"""A throwaway PostgreSQL + pgvector for retrieval runs (started by the module under test), and
`lambda/` on the path so the real query handler can serve the loopback function URL."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from fmkit.evaluate.retrieval.local import temporary_postgres

LAMBDA_DIR = Path(__file__).resolve().parents[4] / "lambda"
if str(LAMBDA_DIR) not in sys.path:
    sys.path.insert(0, str(LAMBDA_DIR))


@pytest.fixture(scope="session")
def pg_dsn() -> Iterator[str]:
    with temporary_postgres() as dsn:
        yield dsn
