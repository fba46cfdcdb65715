"""The assembly's models live in :mod:`govern.ballots.models` (the casting package, below meetings);
re-exported here while callers move."""

from govern.ballots.models import (  # noqa: F401
    BallotEntry,
    Countersignature,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Motion,
    MotionResult,
    OwnerKey,
    RollCaster,
    RollPerson,
    RollUnit,
)
