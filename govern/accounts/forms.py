"""Account forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Regexp


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Keep me logged in on this device"))


class ClaimCodeForm(FlaskForm):
    code = StringField(_l("Claim code"), validators=[DataRequired(), Length(max=40)],
                       render_kw={"autocomplete": "off", "autocapitalize": "characters",
                                  "spellcheck": "false", "placeholder": "XXXX-XXXX-XXXX"})


class RegisterForm(FlaskForm):
    code = StringField(_l("Claim code"), validators=[DataRequired(), Length(max=40)])
    owner_id = RadioField(_l("Which registered owner are you?"), coerce=int, validators=[DataRequired()])
    display_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=100)],
                               render_kw={"autocomplete": "name"})
    phone = TelField(_l("Mobile number"), validators=[DataRequired(), Regexp(r"^\s*1\d{10}\s*$",
                        message=_l("Enter an 11-digit mobile number."))],
                        render_kw={"autocomplete": "tel", "inputmode": "tel"})
    username = StringField(_l("Username"), validators=[DataRequired(), Length(min=3, max=64)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=10, max=200)],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
                            render_kw={"autocomplete": "new-password"})


class PasswordForm(FlaskForm):
    old = PasswordField(_l("Current password"), validators=[DataRequired()],
                        render_kw={"autocomplete": "current-password"})
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=10, max=200)],
                        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("new", message=_l("The passwords differ."))])


class LanguageForm(FlaskForm):
    locale = SelectField(_l("Language"), choices=[SelectChoice("zh_CN", "中文（简体）", render_kw={"lang": "zh-CN"}),
                                                       SelectChoice("en", "English", render_kw={"lang": "en"})])


class GrantRoleForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    role = SelectField(_l("Role"))


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Reason (shown to the applicant)"), validators=[DataRequired(), Length(max=500)])


class CodeRequestForm(FlaskForm):
    target = StringField(_l("Mobile number or e-mail"), validators=[DataRequired(), Length(max=200)],
                         render_kw={"autocomplete": "username", "inputmode": "email", "autocapitalize": "none"})


class CodeLoginForm(FlaskForm):
    target = StringField(_l("Mobile number or e-mail"), validators=[DataRequired(), Length(max=200)],
                         render_kw={"autocomplete": "username", "autocapitalize": "none"})
    code = StringField(_l("6-digit code"), validators=[DataRequired(), Length(max=12)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": "6"})


class ResetForm(CodeLoginForm):
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=10, max=200)],
                        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("new", message=_l("The passwords differ."))],
                            render_kw={"autocomplete": "new-password"})


class TotpForm(FlaskForm):
    code = StringField(_l("6-digit code from your authenticator app"), validators=[DataRequired(), Length(max=12)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": "6"})


class TotpDisableForm(FlaskForm):
    password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})


class BlockForm(FlaskForm):
    blocked = BooleanField(_l("Blocked"))
