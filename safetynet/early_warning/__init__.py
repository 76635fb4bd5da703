"""Early warning of poverty due to illness (因病致贫返贫预警) and re-assistance.

``rules.py`` reads the warning rules (dated, sourced policy data in ``files/``);
``evaluate.py`` evaluates them over a year's ledger in batch and for one household after a
settlement, with the same expressions; ``reassist.py`` computes a re-assistance round;
``load.py`` reads the frames from the database; ``service.py`` is what interfaces call.
"""
