"""Policy as data: the YAML policy-file schema, its strict loader, composition of reforms,
compilation to the engine's arrays, and the shipped policy files (``files/``)."""
