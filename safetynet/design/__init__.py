"""Policy design: search policy parameters for the reform that meets targets at least cost.

``space`` (parameters by their path in a policy, and variants of it), ``targets``
(constraints and the objective), ``figures`` (a candidate's figures from the kernel's
arrays), ``search`` (the Optuna search, pure), ``reform`` (a chosen reform as a policy file
that ``extends`` the base), ``tables`` (terminal/xlsx tables and the frontier chart),
``source`` (a claims year from a claim file or the database), ``jobs`` (background searches
for the web page).
"""
