import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from dangjian.core import idnumber


def test_a_real_format_number_parses():
    number = idnumber.make("410102", dt.date(1980, 5, 17), 3, "female")
    info = idnumber.parse(number.lower())
    assert info.birth_date == dt.date(1980, 5, 17)
    assert info.gender == "female"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("41010219800517001", "format"),
        ("4101021980051700AX", "format"),
        ("410102198013170015", "birth"),
        ("410102180001010015", "birth"),
    ],
)
def test_bad_numbers_are_refused_with_a_reason(value, code):
    with pytest.raises(ValidationError) as exc:
        idnumber.parse(value)
    assert exc.value.code == code


def test_a_wrong_check_digit_is_refused():
    number = idnumber.make("410102", dt.date(1980, 5, 17), 3, "male")
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        idnumber.parse(wrong)
    assert exc.value.code == "checksum"


def test_masking():
    # The province and the last two: the area code and the birth date are never both derivable.
    assert idnumber.mask("410102198005170011") == "41**************11"
    assert idnumber.mask_matches("41**************11", "410102198005170011")
    assert idnumber.mask_matches("4101**********0011", "410102198005170011")  # an export of the old rule
    text = idnumber.mask_in_text("号 410102198005170011，旧 4101**********0011")
    assert text == "号 41**************11，旧 41**************11"
    assert idnumber.mask_phone("13812345678") == "138****5678"


@given(st.text(max_size=30))
def test_parse_never_raises_anything_but_validation_error(value):
    try:
        idnumber.parse(value)
    except ValidationError:
        pass


@given(
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2008, 1, 1)),
    st.integers(0, 499),
    st.sampled_from(["male", "female"]),
)
def test_made_numbers_always_validate(birth, seq, gender):
    info = idnumber.parse(idnumber.make("330102", birth, seq, gender))
    assert (info.birth_date, info.gender) == (birth, gender)
