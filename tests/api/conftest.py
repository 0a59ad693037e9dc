"""The API tests use the ``api_as`` and ``anonymous_api`` fixtures of tests/support/plugin.py and the
helpers of tests/support/api.py."""
