"""Declared spreadsheet templates: one per register, shared by the blank template, import and export.

A register (``members``, ``organizations`` …) declares its columns once: the Chinese header
and the other names people use for it, the type of the cell, whether it is required, and how a
blank cell is read. The spreadsheet is a Chinese-language artefact, so headers, the ``是/否``
vocabulary, choice labels and the reasons a cell is refused are written here in Chinese.

Each app declares its template in ``<app>/imports.py`` and calls :func:`register`; the
registry discovers those modules on first use.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.utils.module_loading import autodiscover_modules

from dangjian.core import idnumber
from dangjian.core.roles import Role
from dangjian.core.scoping import has_role

KINDS = ("text", "date", "int", "bool", "choice", "idnumber", "phone", "seq")

# How a blank cell in a present column is read.
KEEP = "keep"  # leave the stored value alone (or let the service fill a default / derive it)
CLEAR = "clear"  # store the empty value of the type ("", None, False)

YES = ("是", "Y", "YES", "TRUE", "1", "√", "✓", "有", "T")
NO = ("否", "N", "NO", "FALSE", "0", "×", "✗", "无", "F")
EXAMPLE_MARK = "示例"

ID_NUMBER_REASONS = {
    "format": "应为 17 位数字加 1 位数字或 X（共 18 位）",
    "birth": "其中的出生日期不是有效日期",
    "checksum": "校验位错误",
}
SCIENTIFIC = re.compile(r"^\d(\.\d+)?E\+?\d+$", re.IGNORECASE)
DATE_TEXT = re.compile(r"^(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?$", re.ASCII)
DATE_DIGITS = re.compile(r"^(\d{4})(\d{2})(\d{2})$", re.ASCII)
EXCEL_EPOCH = dt.date(1899, 12, 30)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_INT = 2**63 - 1  # what every database's bigint holds


class CellError(Exception):
    """A cell that cannot be read as its column's type. The message is the reason, in Chinese."""


class Masked(str):
    """A masked ID number or phone (``4101**********1234``) standing for the stored value."""

    __slots__ = ()


@dataclass(frozen=True)
class Choice:
    code: str
    label: str
    aliases: tuple[str, ...] = ()


def normalize_header(text: Any) -> str:
    """``' 身份证号 (必填)* '`` → ``身份证号``: width, spaces, marks of required columns."""
    if text is None:
        return ""
    value = unicodedata.normalize("NFKC", str(text))
    value = re.sub(r"\s+", "", value)
    value = re.sub(r"\((必填|选填|可选)\)$", "", value)
    return value.strip("*＊")


def _integral(value: float) -> bool:
    return value == value and abs(value) != float("inf") and float(value).is_integer()


def _text_of(value: Any) -> str:
    if type(value) is str:  # most cells: skip the checks below, and the regex when nothing is to remove
        text = unicodedata.normalize("NFC", value)
        return (text if text.isprintable() else CONTROL.sub("", text)).strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if _integral(value) and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time | dt.timedelta):
        return str(value)
    return CONTROL.sub("", unicodedata.normalize("NFC", str(value))).strip()


def _in_range(day: dt.date) -> dt.date:
    if not 1900 <= day.year <= 2100:
        raise CellError("日期超出范围")
    return day


def parse_date(value: Any) -> dt.date:
    """Real Excel dates, Excel serial numbers, ``20191018`` and the usual written forms."""
    if isinstance(value, dt.datetime):
        return _in_range(value.date())
    if isinstance(value, dt.date):
        return _in_range(value)
    if isinstance(value, bool | dt.time | dt.timedelta):
        raise CellError("应为日期")
    if isinstance(value, int | float):
        if not _integral(value):
            raise CellError("日期无法识别，请写成 2019-10-18 或 2019年10月18日 等形式")
        number = int(value)
        if 10_000_000 <= number <= 99_999_999:
            return parse_date(str(number))
        if 1 <= number <= 2_958_465:  # an Excel serial day number (a date cell that lost its format)
            day = EXCEL_EPOCH + dt.timedelta(days=number)
            if day.year >= 1900:
                return _in_range(day)
        raise CellError("日期无法识别，请写成 2019-10-18 或 2019年10月18日 等形式")
    text = unicodedata.normalize("NFKC", _text_of(value))
    text = re.split(r"[ T]\d{1,2}:\d{2}", text, maxsplit=1)[0].strip()  # "2019-10-18 00:00:00"
    match = DATE_TEXT.match(text) or DATE_DIGITS.match(text)
    if not match:
        raise CellError("日期无法识别，请写成 2019-10-18 或 2019年10月18日 等形式")
    year, month, day = (int(g) for g in match.groups())
    try:
        result = dt.date(year, month, day)
    except ValueError:
        raise CellError("不是有效的日期") from None
    return _in_range(result)


@dataclass(frozen=True)
class Column:
    """One column of a register's spreadsheet."""

    key: str
    header: str
    kind: str = "text"
    aliases: tuple[str, ...] = ()
    required: bool = False
    max_length: int | None = None
    choices: tuple[Choice, ...] = ()
    blank: str = CLEAR
    masked: bool = False  # idnumber / phone: a masked value may stand for the stored one
    export_only: bool = False  # written on export, ignored on import
    help: str = ""
    example: Any = None
    width: int = 14

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")

    @cached_property
    def _parser(self):
        return getattr(self, f"_parse_{self.kind}")

    @property
    def names(self) -> tuple[str, ...]:
        return (self.header, *self.aliases)

    @property
    def empty(self) -> Any:
        """The value a cleared cell stores."""
        return {"bool": False, "date": None, "int": None, "seq": None}.get(self.kind, "")

    # --- Reading ---------------------------------------------------------------------
    def parse(self, value: Any) -> Any:
        """A cell value → the Python value of the column (None when blank); raise CellError."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        parsed = self._parser(value)
        if self.max_length and isinstance(parsed, str) and len(parsed) > self.max_length:
            raise CellError(f"超过 {self.max_length} 个字符")
        return parsed

    def _parse_seq(self, value: Any) -> Any:
        return _text_of(value)

    def _parse_text(self, value: Any) -> str:
        return _text_of(value)

    def _parse_date(self, value: Any) -> dt.date:
        return parse_date(value)

    def _parse_int(self, value: Any) -> int:
        if isinstance(value, bool):
            raise CellError("应为整数")
        if isinstance(value, float):
            if not _integral(value):
                raise CellError("应为整数")
            value = int(value)
        if not isinstance(value, int):
            text = unicodedata.normalize("NFKC", _text_of(value))
            if not re.fullmatch(r"-?\d{1,18}", text, flags=re.ASCII):
                raise CellError("应为整数")
            value = int(text)
        if abs(value) > MAX_INT:
            raise CellError("数值超出范围")
        return value

    def _parse_bool(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float) and value in (0, 1):
            return bool(value)
        text = unicodedata.normalize("NFKC", str(value)).strip().upper()
        if text in YES:
            return True
        if text in NO:
            return False
        raise CellError("应填“是”或“否”")

    def _parse_choice(self, value: Any) -> str:
        text = normalize_header(_text_of(value))
        lowered = text.lower()
        for choice in self.choices:
            if text == choice.label or text in choice.aliases or lowered == choice.code.lower():
                return choice.code
        raise CellError("不是可选值之一（可选：{}）".format("、".join(c.label for c in self.choices)))

    def _parse_idnumber(self, value: Any) -> str:
        if isinstance(value, float) or (isinstance(value, str) and SCIENTIFIC.match(value.strip())):
            shown = f"{value:g}" if isinstance(value, float) else value.strip()
            raise CellError(f"被 Excel 存成了数字（{shown}），末几位已经丢失；请把该列设为“文本”格式后重新填写身份证号")
        if isinstance(value, bool | dt.date | dt.time | dt.timedelta):
            raise CellError(ID_NUMBER_REASONS["format"])
        text = idnumber.normalize(unicodedata.normalize("NFKC", _text_of(value)))
        if not text.isascii():
            raise CellError(ID_NUMBER_REASONS["format"])
        if self.masked and "*" in text:
            if not re.fullmatch(r"[0-9X*]{8,18}", text):
                raise CellError(ID_NUMBER_REASONS["format"])
            return Masked(text)
        try:
            return idnumber.parse(text).number
        except ValidationError as exc:
            raise CellError(ID_NUMBER_REASONS.get(exc.code, exc.messages[0])) from None

    def _parse_phone(self, value: Any) -> str:
        if isinstance(value, float) and not _integral(value):
            raise CellError("应为 11 位手机号或固定电话")
        if isinstance(value, bool | dt.date | dt.time | dt.timedelta):
            raise CellError("应为 11 位手机号或固定电话")
        text = unicodedata.normalize("NFKC", _text_of(value)).replace(" ", "")
        if self.masked and "*" in text:
            if not re.fullmatch(r"[0-9*]{4,12}", text):
                raise CellError("应为 11 位手机号或固定电话")
            return Masked(text)
        digits = text.replace("-", "")
        if (
            not digits.isascii()
            or not digits.isdigit()
            or not 7 <= len(digits) <= 12
            or (len(digits) == 11 and digits[0] != "1")
        ):
            raise CellError("应为 11 位手机号或固定电话")
        return digits

    # --- Writing ---------------------------------------------------------------------
    def format(self, value: Any) -> Any:
        """A Python value → what the cell holds on export."""
        if value is None or value == "":
            return None
        if self.kind == "bool":
            return "是" if value else "否"
        if self.kind == "choice":
            labels = {c.code: c.label for c in self.choices}
            return labels.get(value, value)
        return value

    def describe(self) -> str:
        """The type of the column, for the instructions sheet."""
        if self.kind == "choice":
            return "从下拉列表选择：" + "、".join(c.label for c in self.choices)
        return {
            "text": f"文本{f'，最多 {self.max_length} 个字' if self.max_length else ''}",
            "date": "日期，如 2019-10-18、2019/10/18、2019.10.18、2019年10月18日、20191018",
            "int": "整数",
            "bool": "是 / 否",
            "idnumber": "18 位公民身份号码，请设为文本格式",
            "phone": "11 位手机号或固定电话，请设为文本格式",
            "seq": "序号，导入时忽略；填“示例”的行不导入",
        }[self.kind]


def record_id_column(
    *,
    key: str = "record_id",
    header: str = "系统编号",
    aliases: tuple[str, ...] = (),
    help: str = "导出时由系统填写；新增留空",
) -> Column:
    """The id an export writes beside each record, by which a re-import finds the record again."""
    return Column(key, header, kind="int", aliases=aliases, blank=KEEP, help=help, width=10)


def fields_of(record: Any, *names: str) -> dict[str, Any]:
    """An export's cells that are the record's own fields, each in the column of the same key."""
    return {name: getattr(record, name) for name in names}


@dataclass
class Row:
    """One data row of an upload: parsed values, what the register plans to do with it, and its errors."""

    number: int
    values: dict[str, Any]
    errors: list[tuple[str, str]] = field(default_factory=list)
    action: str = ""  # "create", "update" or "unchanged"
    instance: Any = None
    data: dict[str, Any] = field(default_factory=dict)
    label: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def has(self, key: str) -> bool:
        return key in self.values

    def get(self, key: str, default: Any = None) -> Any:
        value = self.values.get(key)
        return default if value is None else value


class Template:
    """A register's spreadsheet: its columns, and how its rows are exported, matched and written.

    Subclasses declare ``name``, ``title``, ``object_type`` and ``columns``, and implement
    ``export_queryset``/``export_records`` and ``begin``/``plan``/``apply``. Organizers and
    secretaries may import and export; a register says otherwise with ``import_roles`` and
    ``export_roles`` (what each row may write, and what an export holds, is scoped further down).
    """

    name: ClassVar[str]
    title: ClassVar[str]  # the data sheet's name, e.g. "党员信息"
    object_type: ClassVar[str]  # audit object type, e.g. "members.member"
    columns: ClassVar[tuple[Column, ...]]
    key_help: ClassVar[str] = ""  # how a row finds its record, for the instructions sheet
    field_columns: ClassVar[dict[str, str]] = {}  # service field name → column key, where they differ
    # Rows planned and written together (None: the pipeline's CHUNK). Larger for a register whose rows
    # form groups written by one service call (point_awards: rows of one award are one award_bulk).
    chunk_rows: ClassVar[int | None] = None
    # Who may import and export: users holding one of these roles somewhere. ``export_roles = None``:
    # every logged-in user (the export holds only what they may see).
    import_roles: ClassVar[tuple[str, ...]] = (Role.ORGANIZER, Role.SECRETARY)
    export_roles: ClassVar[tuple[str, ...] | None] = (Role.ORGANIZER, Role.SECRETARY)

    # --- Declarations ------------------------------------------------------------------
    def column(self, key: str) -> Column:
        return self._columns_by_key[key]  # called for every cell of an import: a dict, not a scan

    @cached_property
    def _columns_by_key(self) -> dict[str, Column]:
        return {column.key: column for column in self.columns}

    def header_of(self, key: str) -> str:
        key = self.field_columns.get(key, key)
        try:
            return self.column(key).header
        except KeyError:
            return ""

    @property
    def import_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if not c.export_only)

    def aliases(self) -> dict[str, Column]:
        """Every accepted header name (normalised) → its column."""
        found: dict[str, Column] = {}
        for column in self.columns:
            for name in column.names:
                found.setdefault(normalize_header(name), column)
        return found

    def example_row(self) -> list[Any]:
        return [EXAMPLE_MARK if c.kind == "seq" else c.format(c.example) for c in self.columns]

    def check_headers(self, present: Iterable[str]) -> list[str]:
        """File-level problems with the columns found (beyond the required ones). Override to add."""
        return []

    # --- Permissions -------------------------------------------------------------------
    def can_import(self, user) -> bool:
        return has_role(user, *self.import_roles)

    def can_export(self, user) -> bool:
        if self.export_roles is None:
            return bool(getattr(user, "is_authenticated", False))
        return has_role(user, *self.export_roles)

    # --- Export --------------------------------------------------------------------------
    def export_queryset(self, user, params):
        """``(queryset, filters for the audit event, organization or None)``; Http404 outside the subtree."""
        raise NotImplementedError

    def export_records(self, queryset, user) -> Iterable[dict[str, Any]]:
        raise NotImplementedError

    # --- Import --------------------------------------------------------------------------
    def notices(self, state: Any) -> list[str]:
        """What the preview should say about the planned rows as a whole (after the last chunk), in
        Chinese: not errors, e.g. which rows will wait for another level's confirmation."""
        return []

    def begin(self, user, *, commit: bool) -> Any:
        """State shared by the rows of one run (caches of looked-up records, keys seen so far)."""
        raise NotImplementedError

    def plan(self, rows: list[Row], state) -> None:
        """Match a chunk of rows to their records (batch lookups) and decide create/update/unchanged.

        Sets ``row.action``, ``row.instance``, ``row.data`` or appends to ``row.errors``. Never writes.
        """
        raise NotImplementedError

    def apply(self, row: Row, state) -> None:
        """Write one planned row through the register's service; may raise ValidationError."""
        raise NotImplementedError

    def apply_many(self, rows: list[Row], state) -> None:
        """Write a chunk of planned rows. By default one by one with :meth:`apply`; a register with
        a batched service overrides this. Raises ``BatchValidationError`` keyed by position in ``rows``.
        """
        # Imported here, not at the top: the reader's parsing process (``python -m dangjian.core.excel.reader``)
        # imports this module without Django's apps, and core.services needs core's models.
        from dangjian.core.services import BatchValidationError

        for i, row in enumerate(rows):
            try:
                self.apply(row, state)
            except ValidationError as exc:
                raise BatchValidationError({i: exc}) from None

    def org_of(self, row: Row):
        """The organization a written row belongs to (for the summary audit event)."""
        return None


_registry: dict[str, Template] = {}
_discovered = False


def register(template_class: type[Template]) -> type[Template]:
    """Class decorator: make a register's template available to the pipeline, the views and the CLI."""
    _registry[template_class.name] = template_class()
    return template_class


def _discover() -> None:
    global _discovered
    if not _discovered:
        autodiscover_modules("imports")
        _discovered = True


def get(name: str) -> Template:
    _discover()
    try:
        return _registry[name]
    except KeyError:
        raise LookupError(name) from None


def all_templates() -> list[Template]:
    _discover()
    return list(_registry.values())
