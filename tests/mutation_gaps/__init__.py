"""Unit tests that kill mutants the other suites let survive (make mutation; scores and survivors in
docs/reliability.md)."""
