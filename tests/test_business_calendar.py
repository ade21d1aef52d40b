"""Statutory terms count Kazakhstan's working days: holidays, weekends and decreed transfers."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from holidays.countries.kazakhstan import KZ
from hypothesis import given
from hypothesis import strategies as st

from ecopermit.domain.business_calendar import (
    CONFIDENCE_TAGS,
    BusinessCalendar,
    Transfer,
    kazakhstan_calendar,
    load_transfers,
)

# A quiet week: Monday 2 to Sunday 8 February 2026, no Kazakh holiday near it.
MONDAY = date(2026, 2, 2)
FRIDAY = date(2026, 2, 6)
SATURDAY = date(2026, 2, 7)
SUNDAY = date(2026, 2, 8)
NEXT_MONDAY = date(2026, 2, 9)

dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))
terms = st.integers(min_value=0, max_value=400)


def plain_week_calendar(*transfers: Transfer) -> BusinessCalendar:
    return BusinessCalendar(holidays=frozenset(), transfers=transfers)


def test_completeness_check_filed_before_nauryz_2026_ends_on_1_april() -> None:
    kz = KZ(years=2026)
    # Nauryz 21-23 March fell on Saturday to Monday, so 24 and 25 March were added as days off.
    assert all(date(2026, 3, day) in kz for day in range(21, 26))
    # 26, 27, 30, 31 March and 1 April are the five working days (EC Art. 115(2)).
    assert kazakhstan_calendar().add_working_days(date(2026, 3, 20), 5) == date(2026, 4, 1)
    assert kz.get_nth_working_day(date(2026, 3, 20), 5) == date(2026, 4, 1)


def test_the_new_year_break_2027_includes_the_monday_after_a_saturday_holiday() -> None:
    # 1 January 2027 is a Friday and 2 January a Saturday, so Monday 4 January is also off.
    assert kazakhstan_calendar().next_working_day(date(2026, 12, 31)) == date(2027, 1, 5)


def test_independence_day_is_not_a_working_day() -> None:
    calendar = kazakhstan_calendar()
    assert not calendar.is_working_day(date(2026, 12, 16))
    assert calendar.add_working_days(date(2026, 12, 15), 1) == date(2026, 12, 17)


def test_a_sunday_worked_by_decree_counts_as_known_to_holidays_kz() -> None:
    # 2025 decree: Friday 3 January off, Sunday 5 January worked.
    calendar = kazakhstan_calendar()
    assert not calendar.is_working_day(date(2025, 1, 3))
    assert calendar.is_working_day(date(2025, 1, 5))
    assert calendar.next_working_day(date(2024, 12, 31)) == date(2025, 1, 5)


def test_constitution_day_is_not_a_day_off_in_2026_under_the_new_constitution() -> None:
    calendar = kazakhstan_calendar()
    assert calendar.is_working_day(date(2026, 8, 31))
    assert not calendar.is_working_day(date(2027, 3, 15))


def test_weekends_are_skipped() -> None:
    calendar = plain_week_calendar()
    assert calendar.add_working_days(FRIDAY, 1) == NEXT_MONDAY
    assert calendar.next_working_day(SATURDAY) == NEXT_MONDAY
    assert calendar.working_days_between(FRIDAY, NEXT_MONDAY) == 1
    assert calendar.add_working_days(MONDAY, 5) == NEXT_MONDAY


def test_a_public_holiday_is_skipped() -> None:
    calendar = BusinessCalendar(holidays={date(2026, 2, 4)})
    assert calendar.add_working_days(MONDAY, 3) == FRIDAY


def test_a_saturday_made_a_working_day_counts() -> None:
    calendar = plain_week_calendar(Transfer(SATURDAY, working=True, decree="test", confidence="✔"))
    assert calendar.is_working_day(SATURDAY)
    assert calendar.add_working_days(FRIDAY, 1) == SATURDAY
    assert calendar.working_days_between(FRIDAY, NEXT_MONDAY) == 2


def test_a_weekday_made_a_day_off_is_skipped() -> None:
    calendar = plain_week_calendar(Transfer(FRIDAY, working=False, decree="test", confidence="◐"))
    assert not calendar.is_working_day(FRIDAY)
    assert calendar.add_working_days(date(2026, 2, 5), 1) == NEXT_MONDAY


def test_a_transfer_wins_over_the_holiday_list() -> None:
    holiday = date(2026, 2, 4)
    worked = Transfer(holiday, working=True, decree="test", confidence="?")
    assert BusinessCalendar(holidays={holiday}, transfers=[worked]).is_working_day(holiday)


def test_transfers_that_disagree_about_a_day_are_rejected() -> None:
    worked = Transfer(SATURDAY, working=True, decree="a", confidence="✔")
    rest = Transfer(SATURDAY, working=False, decree="b", confidence="✔")
    with pytest.raises(ValueError, match="disagree"):
        plain_week_calendar(worked, rest)


def test_zero_working_days_is_the_start_itself_even_on_a_sunday() -> None:
    assert plain_week_calendar().add_working_days(SUNDAY, 0) == SUNDAY


def test_a_negative_term_is_rejected() -> None:
    with pytest.raises(ValueError, match="negative"):
        plain_week_calendar().add_working_days(MONDAY, -1)


def test_no_working_days_are_counted_backwards() -> None:
    calendar = plain_week_calendar()
    assert calendar.working_days_between(NEXT_MONDAY, MONDAY) == 0
    assert calendar.working_days_between(MONDAY, MONDAY) == 0


def test_a_calendar_without_any_working_day_fails_instead_of_looping() -> None:
    calendar = BusinessCalendar(holidays=_AllDays())
    with pytest.raises(ValueError, match="no working day"):
        calendar.next_working_day(MONDAY)


class _AllDays:
    def __contains__(self, day: object) -> bool:
        return True


def test_the_shipped_transfers_are_well_formed() -> None:
    for transfer in load_transfers():
        assert transfer.confidence in CONFIDENCE_TAGS
        assert transfer.decree.strip()
        assert transfer.working == (transfer.day.weekday() >= 5)


def test_the_shipped_transfers_do_not_repeat_what_holidays_kz_knows() -> None:
    # A repeat is harmless, but it means a holidays upgrade took over and the entry can go.
    kz = KZ(years=range(KZ.start_year, KZ.end_year + 1))
    for transfer in load_transfers():
        already_known = kz.is_working_day(transfer.day) == transfer.working
        assert not already_known, f"holidays.KZ already knows {transfer}"


def test_the_calendar_agrees_with_holidays_kz_except_where_a_transfer_is_recorded() -> None:
    # A fresh holidays.KZ expands year by year on lookup: the reference for the eager build.
    kz = KZ()
    transferred = {transfer.day: transfer.working for transfer in load_transfers()}
    calendar = kazakhstan_calendar()
    day = date(KZ.start_year, 1, 1)
    while day.year <= KZ.end_year:
        expected = transferred.get(day, kz.is_working_day(day))
        assert calendar.is_working_day(day) == expected, day
        day += timedelta(days=1)


def test_lookups_outside_the_years_holidays_kz_covers_fall_back_to_weekends() -> None:
    calendar = kazakhstan_calendar()
    assert calendar.is_working_day(date(2150, 1, 1))  # a Thursday
    assert not calendar.is_working_day(date(2150, 1, 3))  # a Saturday


def test_a_transfers_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "transfers.toml"
    path.write_text(
        "[[transfer]]\n"
        "day = 2027-01-09\n"
        "working = true\n"
        'decree = "Government Decree (test)"\n'
        'confidence = "?"\n'
        'source = "https://adilet.zan.kz/"\n'
        "[[transfer]]\n"
        'day = "2027-01-08"\n'
        "working = false\n"
        'decree = "Government Decree (test)"\n'
        'confidence = "?"\n',
        encoding="utf-8",
    )
    assert load_transfers(path) == (
        Transfer(date(2027, 1, 9), True, "Government Decree (test)", "?", "https://adilet.zan.kz/"),
        Transfer(date(2027, 1, 8), False, "Government Decree (test)", "?"),
    )


def test_an_empty_transfers_file_holds_no_transfers(tmp_path: Path) -> None:
    path = tmp_path / "transfers.toml"
    path.write_text("# nothing decreed yet\n", encoding="utf-8")
    assert load_transfers(path) == ()


GOOD_ENTRY = '[[transfer]]\nday = 2027-01-09\nworking = true\ndecree = "D"\nconfidence = "✔"\n'


@pytest.mark.parametrize(
    ("bad_entry", "problem"),
    [
        ('day = "2027-02-30"\nworking = false\ndecree = "D"\nconfidence = "✔"', "not an ISO date"),
        ("day = 2027-01-08T00:00:00\nworking = false\ndecree = 'D'\nconfidence = '✔'", "time"),
        ("day = 2027-01-08\nworking = false\nconfidence = '✔'", "missing decree"),
        ("day = 2027-01-08\nworking = false\ndecree = 'D'\nconfidence = 'sure'", "confidence"),
        ("day = 2027-01-08\nworking = 'no'\ndecree = 'D'\nconfidence = '✔'", "true or false"),
        ("day = 2027-01-08\nworking = true\ndecree = 'D'\nconfidence = '✔'", "weekday"),
        ("day = 2027-01-10\nworking = false\ndecree = 'D'\nconfidence = '✔'", "weekend day"),
        ("day = 2027-01-08\nworking = false\ndecree = ' '\nconfidence = '✔'", "non-empty"),
        ("day = 2027-01-08\nworking = false\ndecree = 'D'\nconfidence = '✔'\nsouce = 'x'", "souce"),
        ("day = 2027-01-09\nworking = true\ndecree = 'D'\nconfidence = '✔'", "twice"),
    ],
)
def test_a_malformed_entry_is_rejected_by_its_number_and_day(
    tmp_path: Path, bad_entry: str, problem: str
) -> None:
    path = tmp_path / "transfers.toml"
    path.write_text(f"{GOOD_ENTRY}[[transfer]]\n{bad_entry}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"transfer 2 \(day 2027-0") as raised:
        load_transfers(path)
    assert problem in str(raised.value)


def test_a_misspelt_table_name_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "transfers.toml"
    path.write_text(GOOD_ENTRY.replace("[[transfer]]", "[[transfers]]"), encoding="utf-8")
    with pytest.raises(ValueError, match="transfers"):
        load_transfers(path)


@given(dates, terms)
def test_the_elapsed_term_counts_back_to_the_same_number_of_working_days(
    start: date, days: int
) -> None:
    calendar = kazakhstan_calendar()
    assert calendar.working_days_between(start, calendar.add_working_days(start, days)) == days


@given(dates, st.integers(min_value=1, max_value=400))
def test_a_term_of_at_least_one_day_ends_on_a_working_day(start: date, days: int) -> None:
    calendar = kazakhstan_calendar()
    end = calendar.add_working_days(start, days)
    assert end > start
    assert calendar.is_working_day(end)


@given(dates, terms, terms)
def test_a_longer_term_never_ends_earlier(start: date, days: int, more_days: int) -> None:
    shorter, longer = sorted((days, more_days))
    calendar = kazakhstan_calendar()
    assert calendar.add_working_days(start, shorter) <= calendar.add_working_days(start, longer)


@given(dates)
def test_the_next_working_day_is_one_working_day_later(day: date) -> None:
    calendar = kazakhstan_calendar()
    assert calendar.next_working_day(day) == calendar.add_working_days(day, 1)


year_2026 = st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31))


@given(
    st.frozensets(year_2026, max_size=60),
    st.lists(year_2026, max_size=20, unique=True),
    year_2026,
    st.integers(min_value=0, max_value=60),
)
def test_the_invariants_hold_for_any_holidays_and_transfers(
    holidays: frozenset[date], transferred: list[date], start: date, days: int
) -> None:
    # Each transfer flips its day's ordinary status, as a decree does.
    transfers = [Transfer(d, d.weekday() >= 5, "test", "?") for d in transferred]
    calendar = BusinessCalendar(holidays, transfers)
    end = calendar.add_working_days(start, days)
    assert calendar.working_days_between(start, end) == days
    assert days == 0 or calendar.is_working_day(end)
    assert calendar.add_working_days(start, days + 1) > end
