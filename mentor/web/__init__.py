"""What every page shares: templating, CSRF, flash messages, security headers, error pages."""
