"""Resource side: a request's access token (Bearer or DPoP) to a Principal, and the case reference
a statutory read names."""
