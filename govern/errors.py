"""Domain errors and the HTTP error handlers (HTML pages, or JSON under /api/)."""

from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from govern.extensions import db


class DomainError(Exception):
    """A rule of the domain refused the action. ``code`` is stable; ``message`` is for people."""

    status = 400

    def __init__(self, code: str, message: str, *, status: int | None = None, details: dict | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}
        if status is not None:
            self.status = status


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409


def api_error(status: int, code: str, message: str, **extra):
    body = {"error": {"code": code, "message": message, **extra}}
    return jsonify(body), status


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "rate_limited",
    500: "internal_error",
}


def is_api_request() -> bool:
    """The request is for the JSON API (errors answer JSON there, HTML pages elsewhere)."""
    return request.path.startswith("/api/")


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood."),
        401: _("Please log in first."),
        403: _("You do not have permission to do this."),
        404: _("The page you asked for does not exist."),
        405: _("This action is not allowed here."),
        409: _("This conflicts with the current state."),
        413: _("The upload is too large (the limit is %(mb)d MB).",
               mb=(current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)),
        415: _("This type of content is not accepted."),
        429: _("Too many attempts. Please wait a moment and try again."),
        500: _("Something went wrong on our side. The error has been logged."),
    }


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(err: DomainError):
        db.session.rollback()
        if is_api_request():
            return api_error(err.status, err.code, err.message, **({"details": err.details} if err.details else {}))
        return render_template("errors/error.html", status=err.status, message=err.message), err.status

    @app.errorhandler(CSRFError)
    def _csrf(err: CSRFError):
        if is_api_request():
            return api_error(400, "csrf", _("The form has expired. Please reload the page and try again."))
        msg = _("The form has expired. Please reload the page and try again.")
        return render_template("errors/error.html", status=400, message=msg), 400

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException):
        status = err.code or 500
        message = _messages().get(status, err.description or "")
        if is_api_request():
            return api_error(status, _HTTP_CODES.get(status, "error"), message)
        return render_template("errors/error.html", status=status, message=message), status

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        app.logger.exception("unhandled error")
        db.session.rollback()
        if app.config.get("TESTING") and app.config.get("PROPAGATE_UNEXPECTED", True):
            raise err
        message = _messages()[500]
        if is_api_request():
            return api_error(500, "internal_error", message)
        return render_template("errors/error.html", status=500, message=message), 500
