"""Repositories: the only code that reads and writes the service's tables."""
