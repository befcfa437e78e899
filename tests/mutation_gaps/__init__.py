"""Unit tests that kill mutants the other suites let survive (make mutation; scores and survivors in the
README's reliability section)."""
