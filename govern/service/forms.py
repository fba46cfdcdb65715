"""Service-request forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import MultipleFileField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from govern.service.labels import CATEGORY_LABELS, SUB_LABELS
from govern.service.models import CATEGORIES


def kind_choices() -> list[SelectChoice]:
    return [SelectChoice(f"{c}:{s}", str(SUB_LABELS[s]), optgroup=str(CATEGORY_LABELS[c]))
            for c, subs in CATEGORIES.items() for s in subs]


class RequestForm(FlaskForm):
    kind = SelectField(_l("What is it about?"), validators=[DataRequired()])
    unit_id = SelectField(_l("Where?"), validators=[Optional()])
    common_area = StringField(_l("Common area (if not your unit)"), validators=[Optional(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[DataRequired(), Length(max=5000)],
                                render_kw={"rows": 6})
    photos = MultipleFileField(_l("Photos (PNG, JPEG)"))


class AssignForm(FlaskForm):
    assignee_id = SelectField(_l("Staff member"), validators=[DataRequired()])


class ResolveForm(FlaskForm):
    note = TextAreaField(_l("What was done"), validators=[DataRequired(), Length(max=5000)], render_kw={"rows": 3})


class ConfirmForm(FlaskForm):
    rating = RadioField(_l("Your rating"), choices=[SelectChoice(str(i), str(i)) for i in range(5, 0, -1)],
                        validators=[DataRequired()])
    comment = TextAreaField(_l("Rating comment"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 2})


class ReopenForm(FlaskForm):
    reason = TextAreaField(_l("Why is it not solved?"), validators=[DataRequired(), Length(max=2000)],
                           render_kw={"rows": 2})
