"""Accounts: login, server-side sessions, invitations, password resets, throttling."""
