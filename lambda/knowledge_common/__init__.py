"""Shared runtime of the fmkit Knowledge capability (ingest, bulk and query Lambdas).

Copied beside each handler at bundling time and imported as ``knowledge_common``.
Modules are deliberately not imported here: the query function must not pay for (or
even ship) the document parsers. See ``README.md`` for the environment contract.
"""

__version__ = "0.1.0"
