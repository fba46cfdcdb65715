"""R26 / R30 periods counted in years: the court deadline after publication, the publication clock, terms."""

import datetime as dt

import pytest

from govern.core.procedure import add_years, committee_size, court_deadline, publication_due, term_end

D = dt.date


@pytest.mark.parametrize(("published", "deadline"), [
    (D(2027, 3, 10), D(2028, 3, 10)),  # across a 29 February: 366 days, not 365
    (D(2027, 2, 28), D(2028, 2, 28)),
    (D(2028, 2, 28), D(2029, 2, 28)),
    (D(2028, 2, 29), D(2029, 2, 28)),  # no corresponding day: the month's last day (art. 202)
    (D(2028, 3, 1), D(2029, 3, 1)),
    (D(2026, 12, 31), D(2027, 12, 31)),
    (D(2026, 10, 1), D(2027, 10, 1)),  # National Day: holidays are not moved
])
def test_court_deadline_is_one_year_after_publication_counted_from_the_next_day(published, deadline):
    assert court_deadline(published) == deadline


def test_court_deadline_is_a_day_later_than_the_old_365_days_across_a_leap_day():
    published = D(2027, 12, 7)
    assert court_deadline(published) == D(2028, 12, 7)
    assert published + dt.timedelta(days=365) == D(2028, 12, 6)


def test_court_deadline_refuses_a_datetime():
    with pytest.raises(TypeError):
        court_deadline(dt.datetime(2027, 3, 10, 12, 0))


def test_add_years_on_leap_days():
    assert add_years(D(2028, 2, 29), 4) == D(2032, 2, 29)
    assert add_years(D(2028, 2, 29), 1) == D(2029, 2, 28)


def test_publication_due_three_days_after_the_preliminary_result():
    assert publication_due(D(2027, 2, 27)) == D(2027, 3, 2)
    assert publication_due(D(2028, 2, 27)) == D(2028, 3, 1)


@pytest.mark.parametrize(("start", "years", "end"), [
    (D(2027, 3, 10), 5, D(2032, 3, 9)),
    (D(2028, 2, 29), 5, D(2033, 2, 28)),
    (D(2028, 3, 1), 4, D(2032, 2, 29)),
    (D(2027, 1, 1), 1, D(2027, 12, 31)),
])
def test_term_end(start, years, end):
    assert term_end(start, years) == end


def test_term_longer_than_five_years_is_refused():
    with pytest.raises(ValueError):
        term_end(D(2027, 1, 1), 6)


def test_three_members_allowed_below_the_community_threshold():
    assert committee_size(3, households=80, three_up_to=100).valid
    assert not committee_size(3, households=120, three_up_to=100).valid
    assert not committee_size(3, households=80).valid
