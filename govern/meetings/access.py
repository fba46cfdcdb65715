"""Who may do what with meetings: plain predicates, tested directly, and :func:`meeting_required`, the loader
every meeting page and API endpoint (meetings, record, minutes) starts from."""

from __future__ import annotations

from functools import wraps

from flask import abort, g
from flask_babel import gettext as _
from flask_login import current_user

from govern.accounts.access import has_role, is_committee
from govern.accounts.models import Role
from govern.ballots.access import can_manage_meetings, can_view_meeting, visible_meeting  # noqa: F401  (their home)
from govern.ballots.models import MeetingStatus
from govern.errors import DomainError, is_api_request
from govern.extensions import login_manager


def is_street_office(user, community) -> bool:
    return has_role(user, community, Role.AUDITOR) and not is_committee(user, community)


def can_see_door_to_door(user, meeting) -> bool:
    """Which homes have not voted (a reminder list, no choices): committee members and the street office."""
    return is_committee(user, meeting.community) or has_role(user, meeting.community, Role.AUDITOR, Role.ADMIN)


def meeting_required(predicate=None, *, published: bool = False, state: MeetingStatus | None = None,
                     arg: str = "meeting_id", denied: str | None = None):
    """Load the meeting named by the URL argument ``arg`` and pass it to the view as ``meeting``.

    The checks, in order (as Helios's ``election_view`` does for elections), for pages and the API alike:

    - anonymous: the login page (the API's ``api_login_required`` answers 401 before this runs);
    - unknown, or not visible to the caller (:func:`visible_meeting`): 404 — both look alike;
    - ``published`` and the notice is not published: 404 (there is no roll, ballot or proxy page yet);
    - ``predicate(user, community)`` false: 403 (``denied`` is the API's message);
    - ``state`` given and the meeting is in another: 409 ``not_<state>`` (e.g. ``not_closed``).

    Pages answer with the HTML error pages; under /api/ with JSON errors (``not_found``, ``forbidden``,
    ``not_closed``). ``g.community`` is set for the page chrome. :func:`load_meeting` does the same for a
    meeting reached through another object (a delegation, a paper ballot).
    """

    def decorator(view):
        @wraps(view)
        def wrapper(**kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            meeting = load_meeting(kwargs.pop(arg), predicate, published=published, state=state, denied=denied)
            return view(meeting=meeting, **kwargs)

        return wrapper

    return decorator


def _refuse(code: str, status: int, message) -> None:
    if is_api_request():
        raise DomainError(code, str(message), status=status)
    abort(status)


def load_meeting(meeting_id: int, predicate=None, *, published: bool = False, state: MeetingStatus | None = None,
                 denied=None):
    """The checks of :func:`meeting_required` for a logged-in caller; the meeting, with ``g.community`` set."""
    meeting = visible_meeting(meeting_id, current_user)
    if meeting is None or (published and not meeting.is_published):
        _refuse("not_found", 404, _("There is no such meeting."))
    if predicate is not None and not predicate(current_user, meeting.community):
        _refuse("forbidden", 403, denied or _("You do not have permission to do this."))
    if state is not None and meeting.status is not state:
        if state is MeetingStatus.CLOSED:
            _refuse("not_closed", 409, _("Voting has not closed yet."))
        _refuse("conflict", 409, _("This conflicts with the current state."))
    g.community = meeting.community
    return meeting
