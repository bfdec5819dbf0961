"""E-mail: written to the outbox with the change that causes it, delivered after the commit."""
