"""FHIR R4 for hospital information systems: SafetyNet's objects as FHIR resources and back.

systems      the identifier and code systems SafetyNet uses
resources    Patient, Coverage, ExplanationOfBenefit, ClaimResponse, eligibility, capability
claim_in     an incoming FHIR Claim as a settlement submission
"""
