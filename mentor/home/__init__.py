"""The front page: what each role can do here."""
