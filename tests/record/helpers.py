"""Samples of the record package's objects for the authorisation matrix (tests/test_authz_matrix.py)."""

from __future__ import annotations

from sqlalchemy import select

from govern.extensions import db


def authz_sample(app, community_id: int, users: dict) -> dict:
    """An objection to the result of the sample meeting ("Matrix assembly"), filed by "owner": ``objection_id``."""
    from govern import clock
    from govern.ballots.models import Meeting
    from govern.record.models import ResultObjection

    with app.app_context():
        meeting = db.session.scalar(select(Meeting).where(Meeting.community_id == community_id,
                                                          Meeting.title == "Matrix assembly"))
        row = ResultObjection(community_id=community_id, meeting_id=meeting.id, user_id=users["owner"],
                              text="示例异议", filed_at=clock.now())
        db.session.add(row)
        db.session.commit()
        return {"objection_id": row.id}
