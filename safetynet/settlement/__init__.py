"""The one-stop settlement service: a claim in, every layer settled, the ledger appended.

submission    what a window or hospital system submits (validated input)
errors        the service's refusals, each with a stable code and the field at fault
policies      which policy is in force for a region on a date
facts         a submission resolved against the registry and catalogs into engine facts
snapshot      what a batch of submissions reads, with one statement per table
ledger        the rows a settled claim writes, written for a batch with one statement each
accumulators  loading, locking, storing and rebuilding annual accumulators
service       preview, submit_many / submit (idempotent), refund
"""
