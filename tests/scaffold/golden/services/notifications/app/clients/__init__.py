"""HTTP clients for the services this one calls synchronously."""
