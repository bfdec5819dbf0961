"""Ambassadors: joining, vetting, the profile, and answering proposals."""
