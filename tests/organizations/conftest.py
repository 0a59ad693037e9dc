"""Organization fixtures: the API client of tests/api."""

from tests.api.conftest import api_as  # noqa: F401 - the API client fixture, shared with tests/api
