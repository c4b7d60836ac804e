"""One module of routes per aggregate, plus the health checks."""
