"""Hostile input stops at the door: bounded ids in URLs, clean text, bounded JSON, bounded dates.

One home for the checks every request passes before a view runs (issue #15 item 4):

- ``IdConverter`` (``<id:name>``): a database id is 1 to 2^31 - 1 (the tables' keys are PostgreSQL
  ``INTEGER``); anything else (``-1``, 2^63, 40 digits) does not match the route, so it answers 404 instead
  of overflowing the query parameter.
- ``check_request`` (a ``before_request`` hook): a NUL byte or an unpaired surrogate in the path, a query
  parameter, a form field, a file name or a header value is 400 ``bad_input``; so is a date in a field or
  parameter outside the years 1900-2200 (``bad_date``) — such a date overflows the time zone conversion.
- ``GovernJSONProvider.loads``: a JSON body nested deeper than ``MAX_JSON_DEPTH``, a number that is not
  finite (``1e400``) or an integer beyond 64 bits is refused like malformed JSON (400), and its strings
  pass the same text and date checks.
- ``field(data, name, kind)``: the one typed read of an API body field (a list where a string belongs is
  400 ``bad_request`` naming the field).
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _
from werkzeug.routing import BaseConverter, ValidationError

from govern.errors import DomainError

#: The largest id a table holds (PostgreSQL ``INTEGER`` keys). ``MAX_JSON_INT`` bounds JSON numbers.
MAX_ID = 2**31 - 1
MAX_JSON_INT = 2**63 - 1
MAX_JSON_DEPTH = 32
MIN_YEAR, MAX_YEAR = 1900, 2200

#: An ISO 8601 date or date-time as the forms and the API take them (``2026-05-01``, ``2026-05-01T19:30``).
_ISO_DATE = re.compile(r"\s*[+-]?(\d{4,})-\d{1,2}-\d{1,2}"
                       r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\s*", re.ASCII)
_BAD_CHARS = re.compile("[\x00\ud800-\udfff]")


class IdConverter(BaseConverter):
    """``<id:name>``: a positive integer that fits an id column, else the route does not match (404)."""

    regex = r"\d{1,10}"
    weight = 50

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 0 < number <= MAX_ID:
            raise ValidationError()
        return number

    def to_url(self, value) -> str:
        return str(int(value))


class BadInput(DomainError, ValueError):
    """A value no handler should see: a 400 ``DomainError`` that JSON parsing also treats as malformed input."""

    def __init__(self, code: str, message: str):
        super().__init__(code, message, status=400)


def check_text(value: str, where: str) -> None:
    """Refuse a NUL byte or an unpaired surrogate (PostgreSQL stores neither; UTF-8 cannot encode the latter)."""
    if _BAD_CHARS.search(value):
        raise BadInput("bad_input", _("%(field)s contains characters that are not allowed.", field=where))


def check_date(value: str, where: str) -> None:
    """Refuse an ISO date whose year lies outside 1900-2200."""
    match = _ISO_DATE.fullmatch(value)
    if match and not MIN_YEAR <= int(match.group(1)) <= MAX_YEAR:
        raise BadInput("bad_date", _("%(field)s must be a date between the years %(low)d and %(high)d.",
                                     field=where, low=MIN_YEAR, high=MAX_YEAR))


def _check_value(value: str, where: str) -> None:
    check_text(value, where)
    if len(value) <= 40:
        check_date(value, where)


def check_request() -> None:
    """The ``before_request`` hook: raise ``BadInput`` for a hostile path, parameter, field, file name or header."""
    check_text(request.path, "path")
    for key, value in request.args.items(multi=True):
        check_text(key, "query")
        _check_value(value, key)
    for name, value in request.headers.items():
        check_text(value, name)
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.mimetype in (
        "application/x-www-form-urlencoded", "multipart/form-data"
    ):
        for key, value in request.form.items(multi=True):
            _check_name(key)
            _check_value(value, key)
        for key, upload in request.files.items(multi=True):
            _check_name(key)
            check_text(upload.filename or "", key)


def _check_name(key) -> None:
    """A form field's name: a multipart part whose name the parser could not read (``None``) is refused too."""
    if not isinstance(key, str):
        raise BadInput("bad_input", _("%(field)s contains characters that are not allowed.", field="form"))
    check_text(key, "form")


def _check_tree(value: Any, depth: int = 0, where: str = "body") -> None:
    if depth > MAX_JSON_DEPTH:
        raise BadInput("bad_request", _("The JSON body is nested too deeply."))
    if isinstance(value, str):
        _check_value(value, where)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(key, where)
            _check_tree(item, depth + 1, key)
    elif isinstance(value, list):
        for item in value:
            _check_tree(item, depth + 1, where)


def _parse_float(text: str) -> float:
    number = float(text)
    if number in (float("inf"), float("-inf")):
        raise BadInput("bad_request", _("A number in the JSON body is out of range."))
    return number


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > 19 or abs(number := int(text)) > MAX_JSON_INT:
        raise BadInput("bad_request", _("A number in the JSON body is out of range."))
    return number


def _parse_constant(name: str):
    raise BadInput("bad_request", _("A number in the JSON body is out of range."))


class GovernJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider with bounded parsing (request bodies go through ``loads``)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            value = json.loads(s, parse_float=_parse_float, parse_int=_parse_int,
                               parse_constant=_parse_constant, **kwargs)
        except RecursionError as exc:
            raise BadInput("bad_request", _("The JSON body is nested too deeply.")) from exc
        _check_tree(value)
        return value


#: JSON's names of the types (as in the OpenAPI description).
_KINDS = {str: "string", int: "integer", bool: "boolean", list: "array", dict: "object"}


def field(data: dict, name: str, kind: type | tuple[type, ...] = str, *, required: bool = False,
          default: Any = None) -> Any:
    """``data[name]`` if it is of ``kind`` (``bool`` only where named), ``default`` if absent or null.

    A value of another type is 400 ``bad_request`` naming the field.
    """
    value = data.get(name)
    if value is None:
        if required:
            raise DomainError("bad_request", _("Missing fields: %(fields)s", fields=name), status=400)
        return default
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        raise DomainError("bad_request", _("%(field)s must be of JSON type %(kind)s.", field=name,
                                           kind=" or ".join(_KINDS.get(k, k.__name__) for k in kinds)), status=400)
    return value


def init_app(app: Flask) -> None:
    """Register ``<id:…>`` and the JSON provider (before the blueprints) and the request check."""
    app.url_map.converters["id"] = IdConverter
    app.json_provider_class = GovernJSONProvider
    app.json = GovernJSONProvider(app)

    @app.before_request
    def _check_input():
        check_request()
