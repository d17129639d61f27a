"""Fault tests (docs/deploy.md "Fault behaviour"): run with `make test-faults`."""
