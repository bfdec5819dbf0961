"""Ambassadør: the web app that runs a municipality's corps of student ambassadors."""
