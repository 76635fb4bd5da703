"""The settlement cascade: pure computation, no database, no web, no clock.

``compliance`` turns item lines into a claim's compliant amount; ``kernel`` is the one
definition of every layer's arithmetic; ``online`` settles one claim against stored
accumulators, with an explanation; ``batch`` settles a year of claims as a columnar table;
``resettle`` replays a year and reports the differences.
"""
