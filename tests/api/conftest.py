"""The API helpers now live in tests/support (the ``api_as`` and ``anonymous_api`` fixtures come from its
plugin); these names stay importable from here for the tests that still do."""

from tests.support.api import ApiClient, field_errors, has_chinese, zh  # noqa: F401 - re-exported
from tests.support.plugin import anonymous_api, api_as  # noqa: F401 - re-exported
