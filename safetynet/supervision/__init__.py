"""Fund supervision: screening rules as dated, sourced policy data, and the screening.

``schema.py`` (the rule-file schema), ``rules.py`` (loading rule files), ``frames.py`` (the
claim data the rules read, and what each rule needs), ``screen/`` (every rule over a
year, vectorised: one module per family of rules), ``output.py`` (writing hits as Parquet,
CSV or xlsx).
"""
