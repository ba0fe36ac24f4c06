"""The knowledge pipeline's runtime: parse, chunk, embed, and keep a vector store in sync.

Shipped inside the ingest, bulk, query and index Lambda bundles (with `fmkit.contracts`,
whose `KnowledgeSettings` is the functions' environment) and importable by the CLI, which
can index a local folder with the same code (`fmkit.knowledge.local.ingest_folder`).
CDK-free: it imports only `fmkit.contracts` from the kit.

- `models`, `errors`: value types and the permanent/transient error taxonomy;
- `parsing`, `chunking`: bytes -> text -> chunks (parsers imported lazily, so the query
  path never loads them);
- `embedding`, `retries`: Bedrock / SageMaker / local embedders and how they retry;
- `stores`: pgvector, S3 Vectors and OpenSearch behind one protocol;
- `sources`, `ingest`: where documents come from and what happens to each;
- `build`, `local`: wiring from settings (cold start, local runs).
"""
