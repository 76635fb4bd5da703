"""Tables as offices receive them: one ``Table`` model written to Excel (xlsx) and PDF."""
