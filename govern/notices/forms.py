"""Notice and preference forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import MultipleFileField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from govern.notices.models import NoticeAudience, NoticeImportance


def _choices(enum) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in enum.choices()]


class NoticeForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(_l("Text (Markdown)"), validators=[Length(max=20_000)], render_kw={"rows": 10})
    importance = RadioField(_l("Importance"), choices=_choices(NoticeImportance), default=NoticeImportance.NORMAL.value)
    audience = SelectField(_l("For"), choices=_choices(NoticeAudience), default=NoticeAudience.ALL.value)
    audience_value = StringField(_l("Building or role"), validators=[Optional(), Length(max=64)])
    attachments = MultipleFileField(_l("Attachments (PDF, PNG, JPEG)"))
