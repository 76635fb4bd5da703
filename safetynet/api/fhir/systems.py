"""Identifier and code systems of SafetyNet's FHIR resources."""

RESIDENT_ID = "urn:safetynet:resident-id"
INSTITUTION = "urn:safetynet:institution"
CATALOG_ITEM = "urn:safetynet:catalog-item"
CLAIM_NO = "urn:safetynet:claim-no"
CLAIM_KIND = "urn:safetynet:claim-kind"
# Claim.extension (valueString): why a bill identical to one settled before is a second,
# genuine one (it confirms it past the duplicate-bill refusal; audited)
DUPLICATE_REASON = "urn:safetynet:duplicate-reason"
LAYER = "urn:safetynet:layer"
RULE = "urn:safetynet:rule"
POLICY = "urn:safetynet:policy"
POVERTY_STATUS = "urn:safetynet:poverty-status"
REDUCTION = "urn:safetynet:reduction"  # why a line's eligible amount is below its amount
INSURER = "urn:safetynet:insurer"
INSURER_CODE = "county-bureau"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
CLAIM_TYPE = "http://terminology.hl7.org/CodeSystem/claim-type"
ADJUDICATION = "http://terminology.hl7.org/CodeSystem/adjudication"
PAYMENT_TYPE = "http://terminology.hl7.org/CodeSystem/ex-paymenttype"
CURRENCY = "CNY"
INSURER_DISPLAY = "County medical security bureau"
