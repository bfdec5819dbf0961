"""Counsellors follow up: the dashboard, caseloads, check-ins, charts and the annual report."""
