"""Meetings: scheduling without double booking, invitations, reminders, logs and feedback."""
