"""The order of a programme patient's states: which state may follow which."""

from __future__ import annotations

from safetynet.codes import PatientState

OUTCOMES = (PatientState.TREATED, PatientState.MANAGED, PatientState.BACKSTOPPED)
# The order of the states; an outcome is the last step of its batch.
NEXT = {
    PatientState.SCREENED: (PatientState.VERIFIED,),
    PatientState.VERIFIED: (PatientState.PLAN,),
    PatientState.PLAN: OUTCOMES,
}
