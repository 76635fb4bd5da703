"""Policy as data: the YAML policy-file schema, its strict loader, composition of reforms,
sources, disease groups and the shipped policy files (``files/``). Compilation into the
kernel's arrays belongs to the engine (``safetynet.engine.compile``)."""
