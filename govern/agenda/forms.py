"""Agenda forms (CSRF on every one). The services validate the rules; the forms parse and label."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from govern.enums import MatterClass

ITEM_CHOICES = [
    ("1", _l("(1) Rules of procedure of the owners' assembly")),
    ("2", _l("(2) Management covenant")),
    ("3", _l("(3) Electing or replacing the owners' committee")),
    ("4", _l("(4) Hiring or dismissing the property company")),
    ("5", _l("(5) Using the maintenance fund")),
    ("6", _l("(6) Raising the maintenance fund")),
    ("7", _l("(7) Rebuilding or reconstructing buildings")),
    ("8", _l("(8) Changing the use of common parts or using them for business")),
    ("9", _l("(9) Other major matters of common ownership")),
    ("other", _l("Other")),
]
MATTER_CHOICES = MatterClass.choices()
KIND_CHOICES = [
    ("proposal", _l("Proposal")),
    ("petition", _l("Petition for an interim owners' assembly")),
]
STANCE_CHOICES = [
    ("none", _l("No stance")),
    ("support", _l("Support")),
    ("oppose", _l("Oppose")),
    ("question", _l("Question")),
]


def _choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class ProposalForm(FlaskForm):
    kind = RadioField(_l("Kind"), choices=_choices(KIND_CHOICES), default="proposal")
    title = StringField(_l("Title"), validators=[DataRequired(message=_l("A title is required.")), Length(max=200)])
    body = TextAreaField(_l("Text (Markdown)"), validators=[Length(max=20000)])
    item = SelectField(_l("Civil Code art. 278 item"), choices=_choices(ITEM_CHOICES), default="other")
    matter = SelectField(_l("Suggested matter class"), choices=_choices(MATTER_CHOICES), default="ordinary")
    submit = SubmitField(_l("Save draft"))


class AttachmentForm(FlaskForm):
    file = FileField(_l("Attachment (PDF, PNG or JPEG)"), render_kw={"accept": ".pdf,.png,.jpg,.jpeg"})
    upload = SubmitField(_l("Upload"))


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token."""

    submit = SubmitField(_l("Confirm"))


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Confirm"))


class ReviewForm(FlaskForm):
    action = RadioField(_l("Decision"), default="accept", choices=_choices([
        ("accept", _l("Accept as a motion")),
        ("reject", _l("Reject with a public reason")),
        ("merge", _l("Merge into another proposal")),
    ]))
    motion_title = StringField(_l("Motion title"), validators=[Optional(), Length(max=200)])
    motion_text = TextAreaField(_l("Motion text (Markdown)"), validators=[Optional(), Length(max=20000)])
    motion_matter = SelectField(_l("Matter class"), choices=_choices(MATTER_CHOICES))
    into = IntegerField(_l("Merge into proposal no."), validators=[Optional()])
    reason = TextAreaField(_l("Public reason"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Record the decision"))


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Your comment (Markdown; @username mentions)"),
                         validators=[DataRequired(message=_l("Write something first.")), Length(max=10000)])
    stance = SelectField(_l("Stance"), choices=_choices(STANCE_CHOICES), default="none")
    parent_id = HiddenField()
    submit = SubmitField(_l("Post"))


class EditCommentForm(FlaskForm):
    body = TextAreaField(_l("Comment"), validators=[DataRequired(message=_l("Write something first.")),
                                                    Length(max=10000)])
    submit = SubmitField(_l("Save"))
