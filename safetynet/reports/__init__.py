"""Figures computed from the ledger and the registry, never typed in: the overview, indicators,
the monthly public notice."""
