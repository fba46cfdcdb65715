"""Forms of the minutes feature (no JavaScript needed)."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, FieldList, Form, FormField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from govern.formats import LOCAL_TZ
from govern.minutes.matters import ART278_ITEMS
from govern.minutes.services import CommitteeMeetingData, ItemData

#: Agenda item slots on the page; empty slots are ignored.
ITEM_SLOTS = 5


def _matter_choices():
    return [("", _l("Committee business (the committee may decide it)"))] + [
        (str(n), label) for n, (label, _matter) in ART278_ITEMS.items()
    ]


class ItemForm(Form):
    title = StringField(_l("Item"), validators=[Optional(), Length(max=200)])
    text = TextAreaField(_l("Details"), validators=[Optional(), Length(max=20000)], render_kw={"rows": 3})
    art278_item = SelectField(_l("Kind of matter"), choices=_matter_choices, default="")


class CommitteeMeetingForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    location = StringField(_l("Place"), validators=[Optional(), Length(max=200)])
    starts_at = DateTimeLocalField(_l("Starts (Beijing time)"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    items = FieldList(FormField(ItemForm), min_entries=ITEM_SLOTS, max_entries=20)

    def to_data(self) -> CommitteeMeetingData:
        starts = self.starts_at.data
        if isinstance(starts, dt.datetime) and starts.tzinfo is None:
            starts = starts.replace(tzinfo=LOCAL_TZ).astimezone(dt.UTC)
        return CommitteeMeetingData(
            title=self.title.data or "",
            location=self.location.data or "",
            starts_at=starts,
            items=[ItemData(title=f.form.title.data or "", text=f.form.text.data or "",
                            art278_item=int(f.form.art278_item.data) if f.form.art278_item.data else None)
                   for f in self.items],
        )


class MinutesTextForm(FlaskForm):
    text = TextAreaField(_l("Minutes (Markdown)"), validators=[Optional(), Length(max=100000)],
                         render_kw={"rows": 16})


class SignatureForm(FlaskForm):
    key_id = StringField(_l("Your public key (optional)"), validators=[Optional(), Length(max=43)])
    signature = StringField(_l("Signature (base64url)"), validators=[DataRequired(), Length(max=100)])
