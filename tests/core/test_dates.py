import datetime as dt
import zoneinfo

from dangjian.core.dates import is_future

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def test_today_and_the_past_are_not_future_and_tomorrow_is(time_machine, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    # 00:30 in Beijing is still the day before in UTC: the district's date decides.
    time_machine.move_to(dt.datetime(2026, 3, 10, 0, 30, tzinfo=SHANGHAI), tick=False)
    assert not is_future(dt.date(2026, 3, 10))
    assert is_future(dt.date(2026, 3, 11))
    assert not is_future(dt.date(2026, 3, 9))
    assert not is_future(dt.date(1950, 1, 1))
    # 23:30 the same day: tomorrow is still in the future, a minute later it is today.
    time_machine.move_to(dt.datetime(2026, 3, 10, 23, 59, 30, tzinfo=SHANGHAI), tick=False)
    assert is_future(dt.date(2026, 3, 11))
    time_machine.move_to(dt.datetime(2026, 3, 11, 0, 0, 30, tzinfo=SHANGHAI), tick=False)
    assert not is_future(dt.date(2026, 3, 11))
    assert is_future(dt.date(2026, 3, 12))
