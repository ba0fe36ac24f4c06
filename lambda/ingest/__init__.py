"""Ingest and bulk-ingest Lambda handlers (asset root at deploy time)."""
