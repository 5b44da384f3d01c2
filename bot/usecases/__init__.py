"""Use cases: one module per feature; each method one unit of work."""
