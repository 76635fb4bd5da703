"""Interfaces for other systems: the REST API (``rest``) and FHIR R4 (``fhir``), thin over the
services."""
