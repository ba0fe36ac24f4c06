"""Per-provider deployment models (one module each; the `provider` key selects one)."""
