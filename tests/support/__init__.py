"""Shared test support, loaded as a pytest plugin by tests/conftest.py (see README.md).

Import helpers from their module (``from tests.support.audit import assert_one_audit_event``);
fixtures (``world``, ``client_for``, ``api_as``, ``anonymous_api``, ``today``) need no import.
"""
