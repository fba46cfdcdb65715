"""Forced TOTP for privileged accounts (issue #15, item 3; docs/security.md).

With ``REQUIRE_TOTP`` (env ``GOVERN_REQUIRE_TOTP``: on by default in production, off otherwise), an account holding a
committee, property-staff, street-office or admin role (:func:`govern.accounts.otp.totp_eligible`) that has
not enrolled an authenticator can do nothing but enrol it: every page sends it to the enrolment page
(``/profile/totp``), every API call but the token and account endpoints answers 403
``totp_enrolment_required``. From the next sign-in on, its TOTP code is asked as for every enrolled account.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from govern.accounts import otp
from govern.errors import DomainError, is_api_request

#: What an account without its authenticator may still reach: enrolment itself, signing out, the language,
#: the sign-in steps, static files, and the API's tokens and ``/me``.
ALLOWED = {"static", "accounts.totp", "accounts.logout", "accounts.change_language", "accounts.login",
           "accounts.login_totp"}
ALLOWED_PREFIXES = ("accounts_api.",)


def require_enrolment():
    """A ``before_app_request`` hook: send a privileged account without TOTP to enrol it."""
    if not current_app.config.get("REQUIRE_TOTP", False):
        return None
    endpoint = request.endpoint or ""
    if not endpoint or endpoint in ALLOWED or endpoint.startswith(ALLOWED_PREFIXES):
        return None
    if not current_user.is_authenticated or current_user.totp_secret or not otp.totp_eligible(current_user):
        return None
    if is_api_request():
        raise DomainError("totp_enrolment_required",
                          _("Your role requires an authenticator app. Set it up under My account first."), status=403)
    flash(_("Your role requires an authenticator app as a second factor. Please set it up now."), "warning")
    return redirect(url_for("accounts.totp"))
