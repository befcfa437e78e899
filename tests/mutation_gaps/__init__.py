"""Unit tests that kill mutants the other suites let survive (see the README's reliability section, make mutation)."""
