"""Command modules; each defines ``register(app)``. See ``safetynet.cli.main``."""
