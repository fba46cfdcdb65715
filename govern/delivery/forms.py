"""Delivery forms: an account's channels, a meeting's reminder schedule."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import Length, Optional


class PreferencesForm(FlaskForm):
    email_enabled = BooleanField(_l("Send me e-mail"))
    email = StringField(_l("E-mail address"), validators=[Optional(), Length(max=200)],
                        render_kw={"type": "email", "autocomplete": "email"})
    sms_enabled = BooleanField(_l("Send me SMS"))
    phone = StringField(_l("Mobile number"), validators=[Optional(), Length(max=32)],
                        render_kw={"type": "tel", "autocomplete": "tel", "inputmode": "tel"})


class ScheduleForm(FlaskForm):
    offsets = StringField(_l("Remind before close"), validators=[Length(max=100)], default="3d, 1d")
