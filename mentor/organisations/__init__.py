"""Organisations: primary schools, 10th-grade centres, youth institutions, the guidance unit."""
