"""Dangjian, a party-building work platform."""

import os

# openpyxl parses spreadsheets with lxml whenever lxml is installed (python-docx brings it), and then
# parses a workbook's small parts without defusedxml: an uploaded file's entity declarations would be
# parsed rather than refused. The Excel import's defences (core.excel.reader, SECURITY.md) rest on
# defusedxml, so openpyxl must not switch to lxml; the system check dangjian.E020 verifies it.
os.environ["OPENPYXL_LXML"] = "False"
