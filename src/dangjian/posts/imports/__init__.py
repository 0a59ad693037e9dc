"""The four 一编三定 registers in Excel, one module each: party groups (``groups``), post
assignments (``assignments``), the catalogue (``catalogue``) and evaluations (``evaluations``);
``columns`` holds what they share. The register discovery imports this package; importing the
modules registers them, in the order the import page lists them.
"""

# isort: off
from dangjian.posts.imports import groups  # noqa: F401
from dangjian.posts.imports import assignments  # noqa: F401
from dangjian.posts.imports import catalogue  # noqa: F401
from dangjian.posts.imports import evaluations  # noqa: F401

# isort: on
