"""What a person reads of the review, in either language: states, decisions, ledger kinds,
flags and the sentence for each refusal's code (translated where shown)."""

from __future__ import annotations

from safetynet.i18n import N_

DECISIONS = {
    "pending": N_("pending"),
    "approved": N_("approved"),
    "adjusted": N_("adjusted"),
    "rejected": N_("rejected"),
}
KINDS = {
    "decision": N_("review decision"),
    "appeal": N_("second decision"),
    "spot_check": N_("spot check"),
    "refund": N_("claim refunded"),
}
STATES = {
    "submitted": N_("submitted"),
    "self_checked": N_("self-checked"),
    "reviewed": N_("reviewed"),
    "appealed": N_("appealed"),
    "closed": N_("case closed"),
    "void": N_("void (refunded)"),
    "open": N_("open"),
    "settled": N_("settled"),
    "cancelled": N_("cancelled (overturned)"),
}
FLAGS = {"callback": N_("call-back disagrees")}
ERRORS = {
    "case_unknown": N_("There is no such review case in your scope."),
    "claim_unknown": N_("There is no such claim."),
    "claim_not_settled": N_("The claim is not settled (or was refunded)."),
    "case_changed": N_("Someone changed this case meanwhile; it has been reloaded."),
    "line_changed": N_("Another reviewer decided this line first; it has been reloaded."),
    "case_state": N_("The case is not in a state that allows this."),
    "case_decided": N_("The case is decided: its lines change only on appeal."),
    "case_void": N_("The claim was refunded: the case is void."),
    "lines_pending": N_("Some lines are not decided yet."),
    "reason_missing": N_("Give a reason."),
    "deduct_out_of_range": N_("An adjustment deducts more than nothing and less than the line."),
    "deduct_with_approval": N_("An approved line deducts nothing."),
    "deduct_with_rejection": N_("A rejected line deducts all of it."),
    "decision_unknown": N_("Choose approve, adjust or reject."),
    "article_unknown": N_("That article is not sanctioned here."),
    "params_not_in_force": N_("No review rule is in force on that day."),
    "occurred_future": N_("The violation cannot occur after the case is opened."),
    "appeal_late": N_("The appeal deadline has passed."),
    "appeal_open": N_("The institution may still appeal; close after the deadline."),
    "fine_multiple_out_of_range": N_("The fine multiple is outside the article's range."),
    "fine_multiple_invalid": N_("The fine multiple is not a number with at most two decimals."),
    "loss_negative": N_("The loss is not negative."),
    "party_missing": N_("Name an institution or a person."),
    "case_party": N_("That review case is of another institution or person."),
    "already_sanctioned": N_(
        "This party already has a sanction for that review case; cancel it first to open another."
    ),
    "institution_unknown": N_("There is no such institution."),
    "person_unknown": N_("Nobody with this resident ID lives in your region."),
    "finding_missing": N_("State the finding."),
    "sanction_unknown": N_("There is no such sanction case."),
    "recovery_not_positive": N_("A recovery is more than zero."),
    "recovery_exceeds": N_("That is more than is outstanding."),
    "sanction_cancelled": N_("This sanction case is cancelled."),
    "sanction_not_cancelled": N_("Only a cancelled sanction case is refunded."),
    "refund_institution": N_(
        "An institution's recoveries are given back by its next payment round, not refunded."
    ),
    "refund_nothing_due": N_("Nothing recovered on this case is owed back."),
    "suspension_out_of_range": N_("The months are outside the article's range."),
    "article_no_suspension": N_("That article suspends no such party."),
    "article_no_fine": N_("That article sets no fine multiple."),
    "article_fixed_fine": N_("That article fines a fixed amount in yuan, not a multiple."),
    "fine_amount_missing": N_("Give the fine in yuan."),
    "fine_amount_invalid": N_("The fine is not an amount in yuan with at most two decimals."),
    "fine_amount_out_of_range": N_("The fine is outside the article's range in yuan."),
    "department_missing": N_("Name the department."),
    "reviewer_unknown": N_("Assign the case to an active reviewer of its region."),
    "claim_kind_unknown": N_("Choose the claim kinds from the list."),
    "seed_invalid": N_("The seed is a whole number from 0 to 2147483647."),
    "period_invalid": N_("The period ends before it starts."),
    "population_empty": N_("No closed claims in this region and period."),
    "spot_check_unknown": N_("There is no such spot check."),
    "sampled_unknown": N_("There is no such sampled claim."),
    "spot_check_booked": N_("This spot check's recovery is booked already."),
    "spot_check_incomplete": N_("Some sampled claims are not checked yet."),
    "found_out_of_range": N_("The amount found is between nothing and the claim's amount."),
    "paid_negative": N_("The amount paid is not negative."),
    "callback_before_discharge": N_("A call-back is dated on or after the patient's discharge."),
    "amount_invalid": N_("Write an amount in yuan with at most two decimals."),
    "date_invalid": N_("Write the date as YYYY-MM-DD."),
}
REFUSED = N_("The request was refused.")  # a refusal without its own sentence
FLAGGED = N_("flagged")
