"""Readable names of the programme's codes (services, fields to record, refusals, pathway
deviations), marked
for translation; the pages and exports show ``_(NAMES[code])``."""

from __future__ import annotations

from safetynet.i18n import N_

SERVICE_NAMES = {"follow_up": N_("follow-up"), "health_check": N_("health check"),
                 "drug_delivery": N_("drug delivery")}  # fmt: skip
FIELD_NAMES = {"bp": N_("blood pressure"), "glucose": N_("fasting glucose"), "drugs": N_("drugs")}
ERROR_NAMES = {
    "kind_unknown": N_("Choose a service."),
    "before_contract": N_("The day is before the contract starts."),
    "after_contract": N_("The day is after the contract ends."),
    "next_before": N_("The next date must be after the day of the service."),
    "range_systolic": N_("The systolic pressure must be a whole number from 50 to 300."),
    "range_diastolic": N_("The diastolic pressure must be a whole number from 30 to 200."),
    "range_glucose": N_("The glucose must be a number from 1.0 to 40.0 with one decimal."),
    "bp_pair": N_("Give both blood pressures or neither."),
    "duplicate": N_("This service is already recorded on that day."),
    "future": N_("The day is after today: record a service once it is done."),
    "after_death": N_("The person died on or before that day."),
    "drugs_long": N_("Write the drugs in at most 200 characters."),
    "drugs_formula": N_("The drugs may not start with =, +, - or @: write the drug's name."),
}
REASON_NAMES = {
    "not_designated": N_("not at a designated hospital"),
    "stay_too_long": N_("stay too long"),
    "stay_too_short": N_("stay too short"),
    "over_fixed_fee": N_("cost over the fixed fee"),
    "missing_items": N_("package items missing"),
}
STATE_NAMES = {
    "screened": N_("screened"),
    "verified": N_("verified"),
    "plan": N_("plan made"),
    "treated": N_("treated"),
    "managed": N_("under contracted management"),
    "backstopped": N_("protected by the backstop"),
}
# refusals of a patient's step (safetynet.programmes.patients.advance)
STEP_ERROR_NAMES = {
    "state_order": N_("The patient cannot take that step now: steps go one at a time, in order."),
    "outcome_of_batch": N_("That outcome is not the one of the patient's batch."),
    "date_order": N_("The date is before the patient's last step."),
    "future": N_("The date is after today: record a step once it is taken."),
    "after_death": N_("The person died on or before that day."),
    "state_unknown": N_("Choose the next step."),
}
