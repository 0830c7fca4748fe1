"""The integration API under /api/v1: JSON, API keys, RFC 9457 problems, its own OpenAPI schema."""
