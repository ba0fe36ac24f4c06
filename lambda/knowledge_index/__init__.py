"""Index custom resource handlers (asset root at deploy time)."""
