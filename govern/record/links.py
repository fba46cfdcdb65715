"""The record's links on a meeting's page: proxies, paper ballots, the public record, the street office's audit."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from govern.ballots.models import MeetingStatus
from govern.meetings import links
from govern.record.access import can_audit, can_see_paper


@links.provider(rank=20)
def record_links(meeting, user) -> list[links.Link]:
    community = meeting.community
    out = []
    if meeting.status in (MeetingStatus.ANNOUNCED, MeetingStatus.OPEN):
        out.append((url_for("record.proxies_page", meeting_id=meeting.id), _("Vote by proxy")))
    if can_see_paper(user, community):
        out.append((url_for("record.paper_index", meeting_id=meeting.id), _("Paper ballots")))
    # the record page says exactly what each edition publishes, and offers the downloads the user may make
    out.append((url_for("record.record_page", meeting_id=meeting.id), _("The verifiable record: what is published")))
    out.append((url_for("record.scrutineers_page", meeting_id=meeting.id), _("Scrutineers")))
    if can_audit(user, community):
        out.append((url_for("record.audit_meeting", meeting_id=meeting.id), _("Street office's audit")))
    return out
