"""OAuth 2 authorization server (Authlib on Starlette) and resource-server token checks."""
