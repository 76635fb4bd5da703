"""Interfaces for other systems: FHIR R4 (``fhir``), thin over the services; the JSON API's
routes live in ``safetynet.web.routes.api``."""
