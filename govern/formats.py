"""One home for the local time zone, dates and times as people read them, areas and phone numbers.

- ``LOCAL_TZ`` is Asia/Shanghai: R9 counts calendar days there, and every time a person reads is
  shown there (the Babel default time zone is the same, from ``config.py``).
- ``format_area`` is ``govern.core.register.format_area`` (core stays free of the app; this module
  re-exports it so the app has one name for it).
- ``decimal_string`` is an exact ``Fraction`` as people read it: rounded half-up to a few decimals (the
  metrics' days, rates and scores, the surveys' gap scores).
- ``MOBILE_RE`` is a mainland mobile number (an account's phone, an SMS recipient); ``CONTACT_PHONE_RE``
  is any contact number the register may hold (landlines with area code, +86).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from govern.core.register import format_area

__all__ = ["CONTACT_PHONE_RE", "LOCAL_TZ", "MOBILE_RE", "VALUE_PLACES", "decimal_string", "format_area", "is_mobile",
           "local", "local_day", "format_moment"]

LOCAL_TZ = ZoneInfo("Asia/Shanghai")

#: A mainland mobile number: 11 digits starting with 1 (what an SMS provider accepts).
MOBILE_RE = re.compile(r"^1\d{10}$")
#: A contact number in the register: digits, spaces and hyphens, optionally +country code.
CONTACT_PHONE_RE = re.compile(r"^\+?[0-9][0-9 -]{5,19}$")


def is_mobile(value: str) -> bool:
    return bool(MOBILE_RE.match(value or ""))


def local(moment: dt.datetime) -> dt.datetime:
    """An aware datetime (a naive one is taken as UTC) in Asia/Shanghai."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(LOCAL_TZ)


def local_day(moment: dt.datetime) -> dt.date:
    """The calendar day of ``moment`` in Asia/Shanghai."""
    return local(moment).date()


def local_midnight(day: dt.date) -> dt.datetime:
    """The first instant of ``day`` in Asia/Shanghai, as aware UTC."""
    return dt.datetime.combine(day, dt.time(), tzinfo=LOCAL_TZ).astimezone(dt.UTC)


def format_moment(value, *, english: bool = False) -> str:
    """An aware datetime or an RFC 3339 UTC string as people read it, in Beijing time, to the minute:
    ``2026年12月6日 22:43`` (``6 Dec 2026, 22:43`` in English); "" for none. The one date format of pages
    and printed documents (ISO 8601 only in machine files). Cheap (no Babel): fit for a thousand comments.
    """
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    v = local(value)
    if english:
        return f"{v.day} {_MONTHS[v.month - 1]} {v.year}, {v.hour:02d}:{v.minute:02d}"
    return f"{v.year}年{v.month}月{v.day}日 {v.hour:02d}:{v.minute:02d}"


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


#: Decimals of a day count or a score as shown (``decimal_string``'s default).
VALUE_PLACES = 2


def decimal_string(value: Fraction | None, places: int = VALUE_PLACES) -> str | None:
    """An exact fraction rounded half-up (away from zero on ties) to ``places`` decimals."""
    if value is None:
        return None
    q = Decimal(1).scaleb(-places)
    d = (Decimal(value.numerator) / Decimal(value.denominator)) if value.denominator != 1 else Decimal(value.numerator)
    # Decimal division is exact enough at 28 digits for any fraction of realistic counts; quantize does the rounding.
    return str(d.quantize(q, rounding=ROUND_HALF_UP))
