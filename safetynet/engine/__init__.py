"""The settlement cascade: pure computation, no database, no web, no clock.

``compile`` turns a validated policy into the integer arrays the kernel reads;
``compliance`` turns item lines into a claim's compliant amount; ``kernel`` is the one
definition of every layer's arithmetic; ``online`` settles one claim against stored
accumulators, with an explanation; ``batch`` settles a year of claims as a columnar table;
``cases`` settles a policy's worked examples. Year-end re-settlement lives in
``safetynet.claims.resettle``.
"""
