"""R28: the street office's revocation (or order of correction) of a result reaches every owner, with or without
an account: it is published as an important notice to all owners, whose printable lobby page (with its QR code,
``/c/<slug>/notices/<id>/print``) the committee or the property company posts in the lobby."""

from __future__ import annotations

from flask_babel import gettext as _

from govern.accounts.models import User
from govern.extensions import db
from govern.formats import format_moment
from govern.notices.services import publish_notice
from govern.record import oversight

NOTIFIED = ("revoke", "order_correction")


@oversight.on_verdict
def post_verdict_notice(meeting, result, row) -> None:
    if row.verdict not in NOTIFIED:
        return
    community = meeting.community
    motion = result.motion.title if result.motion else ""
    if row.verdict == "revoke":
        title = _("The street office revoked the decision “%(motion)s”", motion=motion)
        body = _("The street office revoked the decision of the owners' assembly “%(meeting)s” on the motion "
                 "“%(motion)s” on %(when)s. The motion's result is no longer in force.\n\nReason: %(reason)s",
                 meeting=meeting.title, motion=motion, when=format_moment(row.signed_at), reason=row.reason)
    else:
        title = _("The street office ordered a correction of the result of “%(motion)s”", motion=motion)
        body = _("The street office ordered a correction of the result of the owners' assembly “%(meeting)s” on "
                 "the motion “%(motion)s” on %(when)s.\n\nReason: %(reason)s",
                 meeting=meeting.title, motion=motion, when=format_moment(row.signed_at), reason=row.reason)
    publish_notice(community, {"title": title[:200], "body": body, "importance": "important", "audience": "all"},
                   actor=db.session.get(User, row.user_id))
