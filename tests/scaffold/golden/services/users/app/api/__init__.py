"""The HTTP API: routes per aggregate, health checks and their shared dependencies."""
