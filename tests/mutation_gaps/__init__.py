"""Unit tests that kill mutants the other suites let survive (see bench/MUTATION.md, make mutation)."""
