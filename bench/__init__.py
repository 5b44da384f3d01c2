"""Benchmarks: each module is a script that prints its figures (see the README)."""
