"""The registry: resident IDs, regions, households, persons, dated poverty status,
enrollment and contributions, imports and reconciliation."""
