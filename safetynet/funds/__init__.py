"""Fund accounts and payments to institutions (issue 17).

One fund per layer of the policy, each with income by source, spending, payables to
institutions and cash, kept as a double-entry journal in integer fen (``journal.py``) in our
own tables (``store/models/funds.py``: ``fund_entry``, ``fund_line``, ``fund_posted``). The
chart of accounts and the funding rules are dated, sourced data (``files/``, ``schema.py``,
``rules.py``); ``posting.py`` posts settlements, refunds, a year's ledger, contributions,
allocations and review deductions set-based; ``prorata.py`` is SafetyNet's one definition of
pro-rata scaling on a capped pot; ``sharing.py`` shares a county's global-budget pot
between institutions by weighted factors (the file's ``budget_sharing``), explained.

Why our own journal and not an accounting library: we looked at what PyPI offers.
``python-accounting`` (SQLAlchemy, IFRS reports) keeps its own schema of entities, ledgers
and transactions in ``Decimal`` amounts and posts one ORM transaction at a time — millions of
settlements a year cannot go through it in seconds, and it cannot post from the settlement
ledger with ``INSERT … SELECT``. ``beancount`` keeps its ledger in text files in memory, not
in SQL. ``django-hordak`` needs Django; ``piecash`` writes GnuCash's schema. None posts in
integer fen, set-based, into the database SafetyNet already uses (SQLite and PostgreSQL), nor
refuses edits. The journal here is small: a balanced-entry check before (manual entries) or
after (set-based postings, same transaction) writing, and triggers that make the tables
append-only on both databases.
"""
