"""The REST API at /api/v1: JSON only, personal access tokens only (no session, no CSRF), the pages' policies and
services, RFC 9457 problem documents for every error, weak ETags, a rate limit per token, and its OpenAPI 3.1
document (app/api/openapi.py) served at /api/v1/openapi.json with a readable page at /api/v1/docs."""
