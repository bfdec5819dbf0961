"""Proposals and matches: proposing, accepting, declining, expiring and ending them."""
