"""Files of family-doctor teams, contracts and follow-ups, imported through the registry's
all-or-nothing toolkit (:mod:`safetynet.tabular`): every row checked, problems by row
and column, nothing written when one is wrong. Each module has ``COLUMNS``, ``validate`` and
``write`` as the toolkit's kinds do."""
