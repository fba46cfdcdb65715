"""Meeting forms: the meeting with its motions, scope, window and policies (no JavaScript needed)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    MultipleFileField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, Length, Optional

from govern.formats import LOCAL_TZ
from govern.meetings.services import MeetingData, MotionData

#: Motion slots on the page; empty slots are ignored.
MOTION_SLOTS = 6

MATTER_CHOICES = [
    SelectChoice("ordinary", _l("Ordinary matter (more than half, Civil Code art. 278)")),
    SelectChoice("major", _l("Major matter (three quarters: fund raising, rebuilding, change of use)")),
    SelectChoice("unanimous_interested", _l("Every interested owner must agree (art. 279)")),
]


ITEM_CHOICES = [
    SelectChoice("", _l("No item of art. 278 named")),
    SelectChoice("1", _l("(1) Rules of procedure of the owners' assembly")),
    SelectChoice("2", _l("(2) The management covenant")),
    SelectChoice("3", _l("(3) Electing or replacing the owners' committee")),
    SelectChoice("4", _l("(4) Hiring or dismissing the property company or another manager")),
    SelectChoice("5", _l("(5) Using the maintenance fund")),
    SelectChoice("6", _l("(6) Raising the maintenance fund — major")),
    SelectChoice("7", _l("(7) Rebuilding or reconstructing buildings and facilities — major")),
    SelectChoice("8", _l("(8) Changing the use of common parts or using them for business — major")),
    SelectChoice("9", _l("(9) Other major matters of common ownership and management")),
]


def _units(text: str | None) -> list[str]:
    return [u for u in (p.strip() for p in (text or "").replace("，", ",").split(",")) if u]


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class MotionForm(Form):
    title = StringField(_l("Motion title"), validators=[Optional(), Length(max=200)])
    text = TextAreaField(_l("Full text"), validators=[Optional(), Length(max=20000)])
    item = SelectField(_l("Item of Civil Code art. 278 (fixes the least class)"), choices=ITEM_CHOICES, default="")
    matter = SelectField(_l("Matter class"), choices=MATTER_CHOICES, default="ordinary")
    files = MultipleFileField(_l("Attachments (PDF, PNG or JPEG, at most 20 MB each)"))
    attachments_json = HiddenField()
    applicant_units = StringField(_l("Art. 279: the applicant's units (comma separated)"),
                                  validators=[Optional(), Length(max=2000)])
    interested_units = StringField(_l("Art. 279: interested units (empty: the other units of the applicant's "
                                      "building)"), validators=[Optional(), Length(max=20000)])
    interested_reason = StringField(_l("Why the interested owners differ from that default"),
                                    validators=[Optional(), Length(max=500)])
    proposal_id = StringField(_l("From proposal"), validators=[Optional(), Length(max=20)],
                              render_kw={"inputmode": "numeric"})


class MeetingForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Notice text"), validators=[Optional(), Length(max=20000)])
    kind = SelectField(_l("Kind"), choices=[
        SelectChoice("regular", _l("Regular meeting")), SelectChoice("interim", _l("Interim meeting")),
        SelectChoice("first", _l("First owners' assembly")),
    ])
    scope = MultiCheckboxField(_l("Voting scope: buildings (none ticked: the whole community)"), choices=[])
    opens_at = DateTimeLocalField(_l("Voting opens (Beijing time)"), format="%Y-%m-%dT%H:%M",
                                  validators=[DataRequired()])
    closes_at = DateTimeLocalField(_l("Voting closes (Beijing time)"), format="%Y-%m-%dT%H:%M",
                                   validators=[DataRequired()])
    revision_policy = SelectField(_l("Revision policy"), choices=[
        SelectChoice("single-cast", _l("Single cast: a ballot cannot be changed (default)")),
        SelectChoice("revisable-until-close", _l("Revisable until close: the latest ballot counts")),
    ])
    invalid_policy = SelectField(_l("Invalid paper ballots"), choices=[
        SelectChoice("as-abstain", _l("Count as abstentions (default)")),
        SelectChoice("excluded", _l("Exclude from participation")),
    ])
    #: R11: asked of the street office only (why it convenes: the committee failed to).
    convening_reason = TextAreaField(_l("Why the street office convenes (e.g. the committee failed to convene)"),
                                     validators=[Optional(), Length(max=2000)])
    motions = FieldList(FormField(MotionForm), min_entries=MOTION_SLOTS, max_entries=MOTION_SLOTS)

    def to_data(self, store: Callable[[str, bytes], dict] | None = None) -> MeetingData:
        """The meeting as the services take it; ``store(name, bytes)`` keeps each uploaded file (and may refuse
        it with a named error)."""
        motions = []
        for entry in self.motions.entries:
            m = entry.form
            if not (m.title.data or "").strip():
                continue
            pid = (m.proposal_id.data or "").strip()
            motions.append(MotionData(title=m.title.data, text=m.text.data or "", matter=m.matter.data,
                                      proposal_id=int(pid) if pid.isdigit() else None,
                                      item=int(m.item.data) if (m.item.data or "").isdigit() else None,
                                      attachments=kept_files(m.attachments_json.data) + _uploaded(m.files.data, store),
                                      applicant_units=_units(m.applicant_units.data),
                                      interested_units=_units(m.interested_units.data) or None,
                                      interested_reason=m.interested_reason.data or ""))
        return MeetingData(
            title=self.title.data or "",
            description=self.description.data or "",
            kind=self.kind.data,
            scope_buildings=list(self.scope.data) or None,
            opens_at=_aware(self.opens_at.data),
            closes_at=_aware(self.closes_at.data),
            revision_policy=self.revision_policy.data,
            invalid_policy=self.invalid_policy.data,
            motions=motions,
        )

    def fill(self, meeting) -> None:
        self.title.data = meeting.title
        self.description.data = meeting.description
        self.kind.data = meeting.kind
        self.scope.data = list(meeting.scope_buildings or [])
        self.opens_at.data = meeting.opens_at.astimezone(LOCAL_TZ).replace(tzinfo=None)
        self.closes_at.data = meeting.closes_at.astimezone(LOCAL_TZ).replace(tzinfo=None)
        self.revision_policy.data = meeting.revision_policy
        self.invalid_policy.data = meeting.invalid_policy
        yes_no = [m for m in meeting.motions if not m.is_election]  # elections are edited on their own pages
        for entry, motion in zip(self.motions.entries, yes_no, strict=False):
            entry.form.title.data = motion.title
            entry.form.text.data = motion.text
            entry.form.matter.data = motion.matter
            entry.form.item.data = str(motion.item or "")
            entry.form.attachments_json.data = json.dumps(motion.attachments or [], ensure_ascii=False)
            spec = motion.interested or {}
            entry.form.applicant_units.data = ", ".join(spec.get("applicant_units") or ())
            entry.form.interested_units.data = ", ".join(spec.get("interested_units") or ()) if spec.get(
                "reason") else ""
            entry.form.interested_reason.data = spec.get("reason") or ""
            entry.form.proposal_id.data = str(motion.proposal_id or "")


def kept_files(text: str | None) -> list[dict]:
    """The files a draft motion already carries (written by :meth:`MeetingForm.fill`); checked again by the
    services against the stored files."""
    try:
        files = json.loads(text or "[]")
    except ValueError:
        return []
    return [f for f in files if isinstance(f, dict)] if isinstance(files, list) else []


def _uploaded(files, store) -> list[dict]:
    if store is None:
        return []
    return [store(f.filename, f.read()) for f in files or () if getattr(f, "filename", "")]


def _aware(value: dt.datetime | None) -> dt.datetime:
    """A Beijing wall-clock time from the form as an aware UTC datetime."""
    if value is None:
        return dt.datetime.now(dt.UTC)
    return value.replace(tzinfo=LOCAL_TZ).astimezone(dt.UTC)
