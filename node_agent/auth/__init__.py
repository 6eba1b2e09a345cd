"""Staff accounts, login with password and TOTP, roles."""
