"""The minutes' links on a meeting's page: the printed notice, the result notice, the minutes (PDF and page)."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from govern.ballots.access import can_manage_meetings
from govern.ballots.models import MeetingStatus
from govern.meetings import links
from govern.minutes.services import minutes_of


@links.provider(rank=10)
def minutes_links(meeting, user) -> list[links.Link]:
    out = [(url_for("minutes.notice_pdf", assembly_id=meeting.id), _("Printable notice for the lobby (PDF)"))]
    if meeting.status == MeetingStatus.CLOSED:
        out.append((url_for("minutes.result_pdf", assembly_id=meeting.id), _("Result notice (PDF)")))
        minutes = minutes_of(meeting)
        if minutes is not None and minutes.published_revision is not None:
            out.append((url_for("minutes.assembly_pdf", assembly_id=meeting.id), _("Minutes (PDF)")))
        if minutes is not None or can_manage_meetings(user, meeting.community):
            out.append((url_for("minutes.assembly", assembly_id=meeting.id), _("Minutes")))
    return out
