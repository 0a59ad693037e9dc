"""Shared fixtures: a small tree and the personas every test uses.

Tree::

    区委 (root, committee)
    ├── 城关镇党委 (township A)
    │   ├── 东街村党支部 (branch A1)   ← secretary, member
    │   └── 西街村党支部 (branch A2)
    └── 河口镇党委 (township B)
        └── 河口村党支部 (branch B1)   ← sibling secretary
"""

from __future__ import annotations

import os
import tempfile

# Fixed test keys: SM4 field key and HMAC-SM3 blind-index key (never used outside tests).
os.environ.setdefault("DANGJIAN_FIELD_KEY", "1:00112233445566778899aabbccddeeff,index:ffeeddccbbaa99887766554433221100")
os.environ.setdefault("DANGJIAN_VAR", tempfile.mkdtemp(prefix="dangjian-test-"))

# The fixtures (personas, API client, a frozen "today") and the helpers live in tests/support.
pytest_plugins = ["tests.support.plugin", "tests.support.browser"]
