"""Production hardening: security headers, rate limits, login throttling, password rules, size
limits. Each part is a small module; ``install(app, settings)`` wires the middlewares."""
