"""Sample objects for the authorisation matrix (tests/test_authz_matrix.py)."""

from __future__ import annotations

from sqlalchemy import select

from govern.extensions import db
from tests.communication.conftest import PDF, PNG


def authz_sample(community, users: dict[str, int]) -> dict:
    """In garden: an important notice to all owners with a PDF, a request filed by "owner" with a photo, an open
    survey. Returns the URL sample values ``notice_id``, ``attachment_id``, ``request_id``, ``photo_id``,
    ``survey_id``, ``community_id`` and ``service_request_id`` (the API's name: ``request_id`` is overwritten by
    the matrix's inspection-request sample)."""
    from govern import jobs
    from govern.accounts.models import User
    from govern.notices.services import publish_notice
    from govern.service.services import file_request
    from govern.surveys.services import create_survey, open_survey

    staff = db.session.get(User, users["property_staff"])
    owner = db.session.get(User, users["owner"])
    chair = db.session.get(User, users["committee_chair"])
    notice = publish_notice(community, {"title": "示例公告", "body": "正文", "importance": "important",
                                        "audience": "all"}, actor=staff, files=[("plan.pdf", PDF)])
    req = file_request(community, {"category": "repair", "subcategory": "leak", "common_area": "车库",
                                   "description": "漏水"}, actor=owner, photos=[("leak.png", PNG)])
    survey = create_survey(community, {"title": "示例调查"}, actor=chair)
    open_survey(survey, actor=chair)
    jobs.commit()
    from govern.service.models import ServicePhoto

    return {"notice_id": notice.id, "attachment_id": notice.attachments[0].id, "request_id": req.id,
            "photo_id": db.session.scalar(select(ServicePhoto.id).where(ServicePhoto.request_id == req.id)),
            "survey_id": survey.id, "community_id": community.id,
            "service_request_id": req.id}
