"""Register forms."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SubmitField
from wtforms.validators import ValidationError


def format_bytes(n: int) -> str:
    """A byte count for people: 2 MB, 512 KB, 900 bytes."""
    if n >= 1024 * 1024 and n % (1024 * 1024) == 0:
        return f"{n // (1024 * 1024)} MB"
    if n >= 1024:
        return f"{n // 1024} KB"
    return f"{n} B"


class RegisterImportForm(FlaskForm):
    file = FileField(
        _l("Register file (CSV, UTF-8)"),
        validators=[
            FileRequired(message=_l("Choose a CSV file.")),
            FileAllowed(["csv"], message=_l("The file must be a .csv file.")),
        ],
        render_kw={"accept": ".csv,text/csv"},
    )
    preview = SubmitField(_l("Preview the changes"))
    submit = SubmitField(_l("Import"))

    #: The uploaded bytes, read once by ``validate_file``.
    data_bytes: bytes = b""

    def validate_file(self, field) -> None:
        limit = current_app.config["REGISTER_MAX_BYTES"]
        data = field.data.stream.read(limit + 1)
        if len(data) > limit:
            raise ValidationError(_l("The file is larger than %(limit)s. Split the register or remove unused columns.",
                                     limit=format_bytes(limit)))
        self.data_bytes = data
