"""Who may read what: the OAuth 2 authorization server (`oauth/`), "who is calling" on the
resource side (`resource/`), citizens' accounts and browser sessions (`accounts/`), consent records
with guardianship (`consent/`), all over the shared keys, access tokens, DPoP proofs and the
Principal (`core/`). `end_citizen` ends everything a citizen's own access rests on at once.

The HTML pages and the HTTP routes of these are the edge's: `web/`."""
