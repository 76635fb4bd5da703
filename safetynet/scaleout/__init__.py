"""Settling and simulating claim files of a province's size: household partitions streamed
through one process (``stream``), or the same kernel on Apache Spark (``spark``)."""
