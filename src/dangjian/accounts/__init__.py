"""Authentication (身份鉴别, GB/T 22239 8.1.4.1): password policy, lockout, sessions, two-factor."""
