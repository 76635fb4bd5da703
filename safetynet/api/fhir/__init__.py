"""FHIR R4 for hospital information systems: SafetyNet's objects as FHIR resources and back.

systems      the identifier and code systems SafetyNet uses
resources    Patient, Coverage, ExplanationOfBenefit, ClaimResponse, eligibility, capability,
             search bundles
claim_in     an incoming FHIR Claim as a settlement submission, with every problem found
lines        a claim's lines with their eligible amounts and each layer's share
outcome      OperationOutcome: issue kinds, published codes, FHIRPath expressions
"""
