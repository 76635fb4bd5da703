"""Benchmark drivers the ``safetynet bench`` commands run (measure, return figures)."""
