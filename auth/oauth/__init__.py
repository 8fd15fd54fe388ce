"""The OAuth 2 authorization server (Authlib): authorization requests and PAR, PKCE, the grants,
client registration and authentication, revocation, introspection. Its routes are in
web/oauth_routes.py."""
