"""The record's code lives in :mod:`govern.core.archive` (format, packing, building), :mod:`govern.core.results`
(counts by kind, tallies, signed result objects), :mod:`govern.core.keybook` (key enrolments),
:mod:`govern.core.fastpath` (the parallel hashing and signature pass) and :mod:`govern.core.verify`
(:func:`verify_record`); re-exported here while callers move."""

from govern.core.archive import (  # noqa: F401
    AUDITOR,
    CERTIFICATION_TYPE,
    CERTIFICATION_VERDICTS,
    COUNTERSIGNATURE_TYPE,
    FORMAT,
    PUBLIC,
    RESULT_TYPE,
    NotARecord,
    build_record,
    pseudonymise,
    read_record,
    write_record,
)
from govern.core.keybook import KeyBook  # noqa: F401
from govern.core.results import (  # noqa: F401
    BALLOT_KINDS,
    ballot_kind,
    compute_results,
    motion_ballots,
    result_document,
    sign_results,
)
from govern.core.verify import Report, verify_record  # noqa: F401
