"""What every page shares: templating, CSRF, flash messages, security headers, error pages."""

# Before any route is made: every {...:int} path parameter is bounded (see ids.py).
from mentor.web import ids as _ids  # noqa: F401
