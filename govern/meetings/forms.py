"""Meeting forms: the meeting with its motions, scope, window and policies (no JavaScript needed)."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
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


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class MotionForm(Form):
    title = StringField(_l("Motion title"), validators=[Optional(), Length(max=200)])
    text = TextAreaField(_l("Full text"), validators=[Optional(), Length(max=20000)])
    matter = SelectField(_l("Matter class"), choices=MATTER_CHOICES, default="ordinary")
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
    motions = FieldList(FormField(MotionForm), min_entries=MOTION_SLOTS, max_entries=MOTION_SLOTS)

    def to_data(self) -> MeetingData:
        motions = []
        for entry in self.motions.entries:
            m = entry.form
            if not (m.title.data or "").strip():
                continue
            pid = (m.proposal_id.data or "").strip()
            motions.append(MotionData(title=m.title.data, text=m.text.data or "", matter=m.matter.data,
                                      proposal_id=int(pid) if pid.isdigit() else None))
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
        for entry, motion in zip(self.motions.entries, meeting.motions, strict=False):
            entry.form.title.data = motion.title
            entry.form.text.data = motion.text
            entry.form.matter.data = motion.matter
            entry.form.proposal_id.data = str(motion.proposal_id or "")


def _aware(value: dt.datetime | None) -> dt.datetime:
    """A Beijing wall-clock time from the form as an aware UTC datetime."""
    if value is None:
        return dt.datetime.now(dt.UTC)
    return value.replace(tzinfo=LOCAL_TZ).astimezone(dt.UTC)
