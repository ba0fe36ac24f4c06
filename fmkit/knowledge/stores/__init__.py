"""Vector stores behind the `VectorStore` protocol (`base`), one module per backend.

- `pgvector`: PostgreSQL + pgvector; every write is one transaction under a per-document
  advisory lock (atomic even with concurrent Lambdas).
- `s3_vectors` and `opensearch`: no transactions; a per-document manifest record carries
  the version check (check, then write). Their metadata layout is `codec`.
- `filters` turns `QueryFilters` into each backend's filter syntax from one list of
  conditions.

Backends import their client libraries (psycopg, botocore) lazily, so importing this
package costs nothing the query function would not need anyway.
"""

from .base import VectorStore
from .opensearch import OpenSearchStore
from .opensearch_transport import HttpTransport, SigV4Transport
from .pgvector import PgVectorStore
from .s3_vectors import S3VectorsStore

__all__ = ["HttpTransport", "OpenSearchStore", "PgVectorStore", "S3VectorsStore", "SigV4Transport", "VectorStore"]
