"""The synthetic county: a deterministic, vectorised generator calibrated to published figures.

calibration  the utilisation-and-cost profiles (ANHUI_2017, the default, and SEED_001) with
             their published sources (../shared/calibration.md), the generator's shapes
names        Chinese surnames, given-name characters, village names
population   regions, households, persons with valid resident IDs, dated poverty status
institutions designated institutions per village, township, county and beyond
claims       enrollment and a year of itemised claims
county       ``generate`` (all of the above as Polars frames), Parquet output
load         writing a generated county into the database (bulk, one transaction)
demo         the demo database the README's first command builds

Every draw comes from one ``numpy.random.Generator`` seeded by the caller, in a fixed order,
so a seed and a size give the same county byte for byte.
"""
