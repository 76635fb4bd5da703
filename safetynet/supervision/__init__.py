"""Fund supervision: screening rules as dated, sourced policy data, and the screening.

``schema.py`` (the rule-file schema), ``rules.py`` (loading rule files), ``frames.py`` (the
claim data the rules read, and what each rule needs), ``screen.py`` (every rule over a
year, vectorised), ``output.py`` (writing hits as Parquet, CSV or xlsx).
"""
