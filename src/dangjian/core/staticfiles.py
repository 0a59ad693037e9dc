"""The static-files storage of production: whitenoise's hashed, compressed copies.

The vendored libraries end with a ``sourceMappingURL`` comment naming a ``.map`` file that is not
vendored; Django's manifest storage would rewrite that reference and fail on the missing file. The
maps only serve a developer's browser tools, so the references are left as they are (a browser
that asks gets a 404), and every other reference (CSS ``url()``, ``@import``) is still rewritten
to its hashed name.
"""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


def _without_source_maps(patterns):
    def keep(pattern) -> bool:
        regex = pattern[0] if isinstance(pattern, tuple) else pattern
        return "sourceMappingURL" not in regex

    return tuple((glob, tuple(p for p in kinds if keep(p))) for glob, kinds in patterns)


class StaticStorage(CompressedManifestStaticFilesStorage):
    patterns = _without_source_maps(CompressedManifestStaticFilesStorage.patterns)
