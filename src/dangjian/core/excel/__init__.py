"""Excel import and export, built once for every register.

A register declares a :class:`~dangjian.core.excel.declarations.Template` in ``<app>/imports.py``
and gets a blank template, a previewed all-or-nothing import (web and ``dangjian import``) and a
scoped, audited export (web and ``dangjian export``).
"""

from dangjian.core.excel.declarations import (
    CLEAR,
    KEEP,
    CellError,
    Choice,
    Column,
    Masked,
    Row,
    Template,
    all_templates,
    fields_of,
    get,
    record_id_column,
    register,
)

__all__ = [
    "CLEAR",
    "KEEP",
    "CellError",
    "Choice",
    "Column",
    "Masked",
    "Row",
    "Template",
    "all_templates",
    "fields_of",
    "get",
    "record_id_column",
    "register",
]
