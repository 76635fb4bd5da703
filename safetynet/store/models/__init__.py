"""ORM models, one module per area. Importing this package registers every table."""

from safetynet.store.models.base import Base
from safetynet.store.models.catalogs import CatalogItem, Diagnosis, DiseaseList, DiseaseListEntry
from safetynet.store.models.claims import Claim, ClaimItem
from safetynet.store.models.derived import DerivedRevision
from safetynet.store.models.early_warning import (
    EarlyWarning,
    EarlyWarningTotal,
    EarlyWarningTotalYear,
    HouseholdIncome,
    MonitoringPeriod,
    ReassistancePayment,
    ReassistanceRound,
    ReferenceIncome,
    WarningEvent,
)
from safetynet.store.models.form_keys import FormKey
from safetynet.store.models.funds import (
    Budget,
    FundEntry,
    FundLine,
    FundPosted,
    Payment,
    PaymentBatch,
)
from safetynet.store.models.imports import ImportBatch
from safetynet.store.models.institutions import Institution
from safetynet.store.models.ledger import Accumulator, Settlement, SettlementLayer
from safetynet.store.models.programmes import (
    DoctorContract,
    DoctorTeam,
    FollowUp,
    ProgrammePatient,
)
from safetynet.store.models.registry import (
    Enrollment,
    Household,
    Person,
    PovertyStatusPeriod,
    Region,
)
from safetynet.store.models.review import (
    Callback,
    ReviewCase,
    ReviewDeduction,
    ReviewLine,
    SanctionCase,
    SanctionRecovery,
    SpotCheck,
    SpotCheckClaim,
    Suspension,
)
from safetynet.store.models.security import AuditEvent, Role, User
from safetynet.store.models.supervision import ScreeningHit
from safetynet.store.models.throttle import LoginFailure

__all__ = [
    "Accumulator",
    "AuditEvent",
    "Base",
    "Budget",
    "Callback",
    "CatalogItem",
    "Claim",
    "ClaimItem",
    "DerivedRevision",
    "Diagnosis",
    "DiseaseList",
    "DiseaseListEntry",
    "DoctorContract",
    "DoctorTeam",
    "EarlyWarning",
    "EarlyWarningTotal",
    "EarlyWarningTotalYear",
    "Enrollment",
    "FollowUp",
    "FormKey",
    "FundEntry",
    "FundLine",
    "FundPosted",
    "Household",
    "HouseholdIncome",
    "ImportBatch",
    "Institution",
    "LoginFailure",
    "MonitoringPeriod",
    "Payment",
    "PaymentBatch",
    "Person",
    "PovertyStatusPeriod",
    "ProgrammePatient",
    "ReassistancePayment",
    "ReassistanceRound",
    "ReferenceIncome",
    "Region",
    "ReviewCase",
    "ReviewDeduction",
    "ReviewLine",
    "Role",
    "SanctionCase",
    "SanctionRecovery",
    "ScreeningHit",
    "Settlement",
    "SettlementLayer",
    "SpotCheck",
    "SpotCheckClaim",
    "Suspension",
    "User",
    "WarningEvent",
]
