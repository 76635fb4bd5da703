"""The "three batches" programme (三个一批) and family-doctor contracts.

``files/`` holds the programme rules as dated, sourced policy data (disease lists per batch,
designated hospitals, service packages, fixed fees), read strictly by :mod:`.rules`;
:mod:`.screen` finds patients from claims and the registry (vectorised), :mod:`.patients`
moves them through their states, :mod:`.contracts` keeps family-doctor contracts and
follow-ups, :mod:`.imports` reads contract and follow-up files all or nothing, :mod:`.rates`
computes the programme's indicators.
"""
