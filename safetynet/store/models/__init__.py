"""ORM models, one module per area. Importing this package registers every table."""

from safetynet.store.models.base import Base
from safetynet.store.models.catalogs import CatalogItem, Diagnosis, DiseaseList, DiseaseListEntry
from safetynet.store.models.claims import Claim, ClaimItem
from safetynet.store.models.institutions import Institution
from safetynet.store.models.registry import (
    Enrollment,
    Household,
    Person,
    PovertyStatusPeriod,
    Region,
)

__all__ = [
    "Base",
    "CatalogItem",
    "Claim",
    "ClaimItem",
    "Diagnosis",
    "DiseaseList",
    "DiseaseListEntry",
    "Enrollment",
    "Household",
    "Institution",
    "Person",
    "PovertyStatusPeriod",
    "Region",
]
