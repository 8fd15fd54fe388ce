"""What every part of auth/ shares: signing keys, access tokens (issued and verified in one
place), DPoP proofs, the Principal, whether a grant and its consent still stand, and the system
checks (death, guardianship) the others ask for."""
