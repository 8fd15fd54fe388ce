"""Citizens' accounts: login (a pluggable Authenticator, argon2 passwords), its throttle, trusted
browsers, browser sessions, and the marker of an ended account."""
