"""SafetyNet: comprehensive medical security for people at risk of poverty due to illness.

Packages, by what they hold:
  engine      the pure settlement cascade (no I/O): compliant amount, layers, online and batch
  policy      the policy-file schema, its strict YAML loader and the shipped policy files
  registry    people, households, dated poverty status, enrollment, imports and reconciliation
  catalogs    ICD-10 diagnoses, disease lists, drug and service items, institutions
  claims      claim formats (JSON lines, Parquet) and claim services
  synth       the deterministic synthetic county generator
  simulation  policy reform simulation over a year of claims
  store       database engine, ORM models and Alembic migrations
  api, web    the REST/FHIR API and the server-rendered web app
  cli         the `safetynet` command
"""

__version__ = "0.1.0"
