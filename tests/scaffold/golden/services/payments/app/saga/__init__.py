"""The payments service's part in the sagas of the system (choreography): see
docs/sagas.md at the root of the generated system."""
