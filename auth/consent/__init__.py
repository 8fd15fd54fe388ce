"""Consent records: given, listed and revoked by the citizen, for themselves or a minor child
(guardianship from the civil registry's birth record, read as a system read), with their use
counts from the access log."""
