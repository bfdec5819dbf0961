"""The interest questionnaire: personal single-purpose links for pupils, and their answers."""
