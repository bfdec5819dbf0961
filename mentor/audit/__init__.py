"""The audit log: who read or changed what, especially pupil data."""
