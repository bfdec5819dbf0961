"""The catalogues: education programmes and interests, kept as data so a reform needs no release."""
