"""Configuration, database access, logging and the running service's shared resources."""
