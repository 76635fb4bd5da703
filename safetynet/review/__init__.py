"""Claim review: the three levels (institution self-check, township/county review, bureau
spot check), call-backs, the deduction ledger, and sanctions with recovery (Decree No. 735).

codes        the states, decisions and kinds as stable string enums
params       the review parameters as dated, sourced YAML (files/), checked by a schema
cases        review cases per claim: self-check, line decisions, appeal, second decision
deductions   the append-only ledger of amounts the institutions bear; ``between`` for funds
refunds      what a refund of a reviewed claim does to its case and deductions (after hook)
sanctions    sanction cases, fines, recoveries and suspensions
gate         the settlement gate refusing suspended persons and departments
sampling     the spot-check sample and the per-stratum ratio estimator (pure)
spot_checks  drawing, recording and extrapolating a spot check in the database
callbacks    call-backs to discharged patients; a disagreeing answer flags the claim
"""
