"""The community's rules of procedure as settings: the readings and numbers its assemblies follow.

They belong to the community (the register's object) and are read by meetings, proxies, the record
and minutes alike, so they are declared here once.
"""

from __future__ import annotations

from govern import settings
from govern.core.procedure import MAX_TERM_YEARS, CommitteeRule, NoticeReading

settings.declare("register", "committee_rule", CommitteeRule.MORE_THAN_HALF.value,
                 parse=settings.one_of(*(r.value for r in CommitteeRule)),
                 doc="R31: half_or_more or more_than_half of all committee members must agree.")
settings.declare("register", "notice_rule", NoticeReading.CONSERVATIVE.value,
                 parse=settings.one_of(*(r.value for r in NoticeReading)),
                 doc="R9: how 'at least N days before' is counted (conservative or minimal).")
settings.declare("register", "notice_days", 15, parse=settings.positive_int,
                 doc="R9: days of notice before an assembly's voting opens.")
settings.declare("register", "interim_notice_days", None, parse=settings.positive_int,
                 doc="R9: days of notice before an interim assembly (none: the same as notice_days).")
settings.declare("register", "proxy_cap", 3, parse=int,
                 doc="R15: principals one proxy may represent; 0 or less means no cap.")
settings.declare("register", "public_record_for_owners", True, parse=settings.boolean,
                 doc="Issue #6: owners may download the public (pseudonymous) edition of a meeting's record; a "
                     "community whose rules keep individual choices from owners (R27) sets it to false.")


def _term_years(value) -> int:
    years = settings.positive_int(value)
    if years > MAX_TERM_YEARS:
        raise ValueError(f"a committee term is at most {MAX_TERM_YEARS} years")
    return years


settings.declare("register", "objection_days", 0, parse=settings.non_negative_int,
                 doc="R26: days after the preliminary result during which owners may object (清远: 7; 0: none). "
                     "Snapshotted on the meeting when its notice is published.")
settings.declare("register", "committee_three_max_households", 0, parse=settings.non_negative_int,
                 doc="R30: a community of at most this many households may have a 3-member committee (Beijing: "
                     "100; 0: never).")
settings.declare("register", "committee_term_years", MAX_TERM_YEARS, parse=_term_years,
                 doc="R30: the committee's term in years (at most 5).")
settings.declare("register", "committee_term_warning_days", 90, parse=settings.positive_int,
                 doc="R30: days before a committee term ends that the committee is warned to hold an election.")
settings.declare("register", "window_min_days", 5, parse=settings.positive_int,
                 doc="R12: the shortest voting window in days (Hangzhou: 5); publishing a shorter one is refused.")
settings.declare("register", "window_max_days", 60, parse=settings.positive_int,
                 doc="R12: the longest voting window in days, extensions included (Hangzhou: 60).")
settings.declare("register", "deemed_consent", "off", parse=settings.one_of("off", "plain", "zhejiang"),
                 doc="R24: the community's deemed-consent clause (off, plain or zhejiang); when on, a labelled "
                     "deemed result is computed beside the strict, official one.")
