"""Account pages: login, registration by claim code, profile, roles, owner confirmation, claim sheets."""

from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from markupsafe import Markup
from sqlalchemy import func, select
from wtforms import SelectChoice

from govern import jobs
from govern.accounts import committee, otp, services, throttle, totp_policy
from govern.accounts import jobs as account_jobs
from govern.accounts.access import (
    can_confirm_owners,
    can_grant_roles,
    can_issue_claim_codes,
    community_required,
    is_admin,
)
from govern.accounts.forms import (
    BlockForm,
    ClaimCodeForm,
    CodeLoginForm,
    CodeRequestForm,
    GrantRoleForm,
    LanguageForm,
    LoginForm,
    PasswordForm,
    RegisterForm,
    RejectForm,
    ResetForm,
    TotpDisableForm,
    TotpForm,
)
from govern.accounts.models import ApiToken, ClaimSheet, OwnerClaim, Role, RoleGrant, User
from govern.clock import now
from govern.errors import Conflict, DomainError, api_error
from govern.extensions import db
from govern.register.models import Owner, Ownership, Unit
from govern.templating import ROLE_LABELS

bp = Blueprint("accounts", __name__)
bp.before_app_request(totp_policy.require_enrolment)


def _safe_next(target: str | None) -> str:
    """A local path to go to after login; anything else (other hosts, "//x", "/\\x") goes home."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and not any(ord(ch) < 32 for ch in target)
        and not urlsplit(target).netloc
        and not urlsplit(target).scheme
    ):
        return target
    return url_for("home.index")


#: How long a password (or code) sign-in waits for its TOTP second factor.
MFA_PENDING_SECONDS = 300


def _throttled_page(template: str, err: throttle.Throttled, **ctx):
    flash(err.message, "error")
    return render_template(template, **ctx), 429, {"Retry-After": str(err.retry_after)}


@bp.app_errorhandler(throttle.Throttled)
def _throttled(err: throttle.Throttled):
    """429 with Retry-After wherever the throttle refuses (pages, or JSON under /api/)."""
    db.session.rollback()
    if request.path.startswith("/api/"):
        resp, status = api_error(429, err.code, err.message, details=err.details)
    else:
        resp, status = render_template("errors/error.html", status=429, message=err.message), 429
    return resp, status, {"Retry-After": str(err.retry_after)}


def _sign_in(user: User, *, remember: bool, target: str | None):
    """Sign ``user`` in, or (with TOTP enrolled) hold the sign-in until the second factor is given."""
    if user.totp_secret:
        session["mfa"] = {"uid": user.id, "gen": user.session_generation or 0, "remember": bool(remember),
                          "next": _safe_next(target), "at": int(now().timestamp())}
        return redirect(url_for("accounts.login_totp"))
    login_user(user, remember=remember)
    if user.locale:
        session["lang"] = user.locale
    return redirect(_safe_next(target))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.username.data, form.password.data)
        except throttle.Throttled as err:
            return _throttled_page("accounts/login.html", err, form=form)
        except (services.LoginFailed, throttle.CodeRequired) as err:
            flash(err.message, "error")
            return render_template("accounts/login.html", form=form, code_required=err.code == "otp_required"), 401
        return _sign_in(user, remember=form.remember.data, target=request.args.get("next"))
    return render_template("accounts/login.html", form=form)


@bp.route("/login/totp", methods=["GET", "POST"])
def login_totp():
    """The second step for accounts with TOTP: the code from the authenticator app."""
    pending = session.get("mfa")
    user = db.session.get(User, pending["uid"]) if isinstance(pending, dict) and "uid" in pending else None
    if (user is None or not user.is_active or not user.totp_secret
            or pending.get("gen") != (user.session_generation or 0)
            or now().timestamp() - pending.get("at", 0) > MFA_PENDING_SECONDS):
        session.pop("mfa", None)
        flash(_("Please log in again."), "info")
        return redirect(url_for("accounts.login"))
    form = TotpForm()
    if form.validate_on_submit():
        try:
            attempt = throttle.Attempt(user.username).begin()
        except throttle.Throttled as err:
            return _throttled_page("accounts/login_totp.html", err, form=form)
        if otp.verify_totp(user, form.code.data):
            attempt.succeeded()
            session.pop("mfa", None)
            login_user(user, remember=pending.get("remember", False))
            if user.locale:
                session["lang"] = user.locale
            return redirect(pending.get("next") or url_for("home.index"))
        attempt.failed(user)
        _add_error(form.code, _("The code does not match. Check the time on your phone and try again."))
        return render_template("accounts/login_totp.html", form=form), 401
    return render_template("accounts/login_totp.html", form=form), 400 if form.errors else 200


def _code_sent_message() -> str:
    return _("If this number or e-mail belongs to an account, a 6-digit code is on its way. It is valid for "
             "%(n)d minutes.", n=current_app.config["OTP_VALID_MINUTES"])


@bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    """Sign in with a 6-digit code sent by SMS or e-mail: ask for the code, then enter it."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    return _code_flow("login")


@bp.route("/forgot", methods=["GET", "POST"])
def forgot():
    """Forgotten password: a code sent by SMS or e-mail, then a new password."""
    return _code_flow("reset")


def _code_flow(purpose: str):
    template = "accounts/login_code.html" if purpose == "login" else "accounts/forgot.html"
    second = CodeLoginForm if purpose == "login" else ResetForm
    if request.method == "GET" or "code" not in request.form:
        ask = CodeRequestForm(prefix="r")
        if request.method == "GET" or not ask.validate_on_submit():
            return render_template(template, ask=ask, form=None), 400 if ask.errors else 200
        try:
            target = otp.request_code(purpose, ask.target.data)
        except throttle.Throttled as err:
            return _throttled_page(template, err, ask=ask, form=None)
        except DomainError as err:
            db.session.rollback()
            _add_error(ask.target, err.message)
            return render_template(template, ask=ask, form=None), 400
        flash(_code_sent_message(), "success")
        form = second(formdata=None, target=ask.target.data.strip() if target else "")
        return render_template(template, ask=None, form=form)
    form = second()
    if not form.validate_on_submit():
        return render_template(template, ask=None, form=form), 400
    if purpose == "reset":
        try:
            services.validate_password(form.new.data)
        except DomainError as err:
            _add_error(form.new, err.message)
            return render_template(template, ask=None, form=form), 400
    try:
        attempt = throttle.Attempt(otp.throttle_name(form.target.data)).begin()
    except throttle.Throttled as err:
        return _throttled_page(template, err, ask=None, form=form)
    try:
        user = otp.verify_code(purpose, form.target.data, form.code.data)
    except DomainError as err:
        db.session.rollback()
        attempt.failed()
        _add_error(form.code, err.message)
        return render_template(template, ask=None, form=form), 401
    attempt.succeeded()
    if purpose == "login":
        return _sign_in(user, remember=False, target=request.args.get("next"))
    try:
        services.reset_password(user, form.new.data)
    except DomainError as err:
        db.session.rollback()
        _add_error(form.new, err.message)
        return render_template(template, ask=None, form=form), 400
    flash(_("Your new password is set and every other sign-in of your account has ended. Log in with it."),
          "success")
    return redirect(url_for("accounts.login"))


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        # Ends this account's sessions and remember-me cookies everywhere, copies of this cookie included.
        current_user.end_sessions()
    logout_user()
    flash(_("You have logged out."), "success")
    return redirect(url_for("home.index"))


#: Which field of the registration form a service error belongs to.
_REGISTER_ERROR_FIELDS = {
    "bad_owner": "owner_id",
    "owner_taken": "owner_id",
    "bad_phone": "phone",
    "name_required": "display_name",
    "bad_username": "username",
    "username_taken": "username",
    "weak_password": "password",
}


def _add_error(field, message: str) -> None:
    field.errors = [*field.errors, message]  # WTForms leaves a tuple before validation


def _register_step1(code_form, status: int = 200):
    return render_template("accounts/register.html", code_form=code_form, form=None, unit=None), status


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Two steps on one page: the claim code first, then the account for one of the unit's owners.

    Step 1 posts ``c-code``; step 2 carries the code in a hidden ``code`` field and is checked again
    in full, so nothing is created unless the code is still live when the account is made.
    """
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    code_form = ClaimCodeForm(prefix="c")
    if request.method == "GET":
        return _register_step1(code_form)
    if current_app.config.get("RATELIMIT_ENABLED", True):
        throttle.per_subject("register", throttle.client_address(), current_app.config["LOGIN_RATE_LIMIT"])
    step2 = "code" in request.form
    if step2:
        form = RegisterForm()
        code = form.code.data or ""
    else:
        if not code_form.validate_on_submit():
            return _register_step1(code_form, 400)
        code = code_form.code.data
        form = RegisterForm(formdata=None, code=services.normalise_claim_code(code))
    try:
        unit = services.find_claim_code(code).unit
    except DomainError as err:
        code_form.code.data = code
        _add_error(code_form.code, err.message)
        return _register_step1(code_form, 400)
    owners = services.claimable_owners(unit)
    if not owners:
        _add_error(code_form.code, _("Every owner of this unit already has a confirmed account."))
        return _register_step1(code_form, 400)
    form.owner_id.choices = [SelectChoice(str(o.id), o.name_masked or _("Owner %(ref)s", ref=o.ref)) for o in owners]

    def step2_page(status: int):
        return render_template("accounts/register.html", code_form=None, form=form, unit=unit), status

    if not step2:
        return step2_page(200)
    if not form.validate_on_submit():
        return step2_page(400)
    try:
        claim = services.register_owner(
            code=form.code.data,
            owner_id=form.owner_id.data,
            phone=form.phone.data,
            username=form.username.data,
            password=form.password.data,
            display_name=form.display_name.data,
        )
    except DomainError as err:
        db.session.rollback()
        field = _REGISTER_ERROR_FIELDS.get(err.code)
        if field is None:  # the code itself went bad meanwhile: back to step 1
            _add_error(code_form.code, err.message)
            return _register_step1(code_form, 400)
        _add_error(getattr(form, field), err.message)
        return step2_page(400)
    login_user(claim.user)
    session["lang"] = session.get("lang") or current_app.config["BABEL_DEFAULT_LOCALE"]
    flash(_("Your account is open. A committee member will confirm you against the register; "
            "until then you can read but not act."), "success")
    return redirect(url_for("home.index"))


@bp.get("/profile")
@login_required
def profile():
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.created_at.desc()).limit(20)
    ).all()
    # Roles grouped by community, platform-wide ones (admin) first.
    by_community: dict[int | None, list[RoleGrant]] = {}
    for grant in current_user.grants:
        if grant.is_active:
            by_community.setdefault(grant.community_id, []).append(grant)
    role_groups = sorted(
        ((grants[0].community, sorted(Role(g.role).value for g in grants)) for grants in by_community.values()),
        key=lambda item: (item[0] is not None, item[0].name if item[0] else ""),
    )
    claims = db.session.scalars(
        select(OwnerClaim).where(OwnerClaim.user_id == current_user.id).order_by(OwnerClaim.created_at.desc())
    ).all()
    lang_form = LanguageForm(locale=current_user.locale or current_app.config["BABEL_DEFAULT_LOCALE"])
    return render_template(
        "accounts/profile.html",
        tokens=tokens,
        role_groups=role_groups,
        claims=claims,
        confirmed=_confirmed_ownerships(role_groups, claims),
        password_form=PasswordForm(),
        lang_form=lang_form,
        totp_eligible=otp.totp_eligible(current_user),
        now=now(),
    )


def _confirmed_ownerships(role_groups, claims) -> list[tuple]:
    """``(community, unit numbers)`` where the account is a confirmed owner without a registration of its own
    (matched by the committee or the register import): the profile shows these as confirmed, not as missing."""
    claimed = {c.community_id for c in claims}
    communities = [c for c, roles in role_groups if c is not None and Role.OWNER.value in roles and c.id not in claimed]
    if not communities:
        return []
    units: dict[int, list[str]] = {}
    for community_id, number in db.session.execute(
            select(Owner.community_id, Unit.number).join(Ownership, Ownership.owner_id == Owner.id)
            .join(Unit, Unit.id == Ownership.unit_id)
            .where(Owner.user_id == current_user.id, Owner.community_id.in_([c.id for c in communities]))
            .order_by(Unit.number)):
        units.setdefault(community_id, []).append(number)
    return [(c, units.get(c.id, [])) for c in communities]


@bp.post("/profile/password")
@login_required
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.old.data, form.new.data)
        except DomainError as err:
            if isinstance(err, throttle.Throttled):
                raise
            db.session.rollback()
            flash(err.message, "error")
            return redirect(url_for("accounts.profile"))
        user = current_user._get_current_object()
        login_user(user)  # this device stays signed in with the new generation; every other session ends
        flash(_("Your password has been changed. You have been signed out everywhere else."), "success")
    else:
        for errors in form.errors.values():
            for e in errors:
                flash(e, "error")
    return redirect(url_for("accounts.profile"))


@bp.route("/profile/totp", methods=["GET", "POST"])
@login_required
def totp():
    """Enrol a TOTP authenticator (committee, property company, street office): scan, then confirm a code."""
    user = current_user._get_current_object()
    if not otp.totp_eligible(user):
        abort(403)
    if user.totp_secret:
        return render_template("accounts/totp.html", enrolled=True, form=TotpDisableForm())
    form = TotpForm()
    secret = session.get("totp_new")
    if request.method == "GET" or not secret:
        secret = session["totp_new"] = otp.new_totp_secret()
    elif form.validate_on_submit():
        try:
            services.enable_totp(user, secret, form.code.data)
        except DomainError as err:
            db.session.rollback()
            _add_error(form.code, err.message)
        else:
            session.pop("totp_new", None)
            flash(_("Your authenticator is set up. Signing in now also asks for its code."), "success")
            return redirect(url_for("accounts.profile"))
    uri = otp.totp_uri(user, secret)
    status = 400 if form.errors else 200
    return render_template("accounts/totp.html", enrolled=False, form=form, secret=secret,
                           qr=Markup(otp.totp_qr_svg(uri))), status


@bp.post("/profile/totp/disable")
@login_required
def totp_disable():
    form = TotpDisableForm()
    if not form.validate_on_submit():
        flash(_("Enter your current password."), "error")
        return redirect(url_for("accounts.totp"))
    try:
        services.disable_totp(current_user, form.password.data)
    except DomainError as err:
        if isinstance(err, throttle.Throttled):
            raise
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for("accounts.totp"))
    flash(_("The authenticator has been removed from your account."), "success")
    return redirect(url_for("accounts.profile"))


@bp.route("/admin/accounts", methods=["GET"])
@login_required
def accounts_admin():
    """Platform administrators: find an account by username, phone or e-mail, and block or unblock it."""
    if not is_admin(current_user):
        abort(403)
    q = (request.args.get("q") or "").strip()[:100]
    users = []
    if q:
        like = f"%{q.replace('%', '').replace('_', '')}%"
        users = db.session.scalars(
            select(User).where(User.username.ilike(like) | User.phone.ilike(like) | User.email.ilike(like))
            .order_by(User.username).limit(50)
        ).all()
    return render_template("accounts/accounts_admin.html", q=q, users=users, form=BlockForm())


@bp.post("/admin/accounts/<id:user_id>/block")
@login_required
def block_account(user_id: int):
    if not is_admin(current_user):
        abort(403)
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    form = BlockForm()
    if not form.validate_on_submit():
        abort(400)
    services.set_blocked(user, form.blocked.data, actor=current_user)
    flash(_("%(user)s is blocked: every session and token has ended.", user=user.username) if form.blocked.data
          else _("%(user)s can sign in again.", user=user.username), "success")
    return redirect(url_for("accounts.accounts_admin", q=user.username))


@bp.post("/admin/accounts/<id:user_id>/totp-reset")
@login_required
def remove_account_totp(user_id: int):
    if not is_admin(current_user):
        abort(403)
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    services.remove_totp(user, actor=current_user)
    flash(_("The authenticator of %(user)s has been removed.", user=user.username), "success")
    return redirect(url_for("accounts.accounts_admin", q=user.username))


@bp.post("/profile/language")
@login_required
def change_language():
    form = LanguageForm()
    if form.validate_on_submit():
        services.set_locale(current_user, form.locale.data)
        session["lang"] = form.locale.data
    return redirect(url_for("accounts.profile"))


@bp.post("/profile/tokens/<id:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    services.revoke_token(token, actor=current_user)
    flash(_("The token has been revoked."), "success")
    return redirect(url_for("accounts.profile"))


# --- community administration ------------------------------------------------------------

GRANTABLE = [r for r in Role if r not in (Role.ADMIN, Role.OWNER, Role.PREPARATORY)]  # the group: its own page


@bp.route("/c/<slug>/roles", methods=["GET", "POST"])
@community_required(can_grant_roles)
def roles(community):
    form = GrantRoleForm()
    form.role.choices = [SelectChoice(r.value, str(ROLE_LABELS[r.value])) for r in GRANTABLE]
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.username == form.username.data.strip()))
        if user is None:
            form.username.errors.append(_("There is no account with this username."))
        else:
            try:
                services.grant_role(user, Role(form.role.data), community, actor=current_user)
                flash(_("Role granted."), "success")
                if Role(form.role.data) in committee.COMMITTEE_ROLES:
                    for warning in committee.committee_warnings(community):  # R30: a warning, not a refusal
                        flash(warning, "warning")
                return redirect(url_for("accounts.roles", slug=community.slug))
            except DomainError as err:
                db.session.rollback()
                form.username.errors.append(err.message)
    grants = db.session.scalars(
        select(RoleGrant)
        .where(RoleGrant.community_id == community.id, RoleGrant.revoked_at.is_(None))
        .order_by(RoleGrant.role, RoleGrant.id)
    ).all()
    status = 400 if form.errors else 200
    return render_template("accounts/roles.html", form=form, grants=grants,
                           committee_warnings=committee.committee_warnings(community)), status


@bp.post("/c/<slug>/roles/<id:grant_id>/revoke")
@community_required(can_grant_roles)
def revoke_role(community, grant_id: int):
    grant = db.session.get(RoleGrant, grant_id)
    if grant is None or grant.community_id != community.id:
        abort(404)
    services.revoke_role(grant, actor=current_user)
    flash(_("Role revoked."), "success")
    return redirect(url_for("accounts.roles", slug=community.slug))


@bp.get("/c/<slug>/claims")
@community_required(can_confirm_owners)
def claims(community):
    status = request.args.get("status", "pending")
    if status not in ("pending", "confirmed", "rejected"):
        status = "pending"
    rows = db.session.scalars(
        select(OwnerClaim)
        .where(OwnerClaim.community_id == community.id, OwnerClaim.status == status)
        .order_by(OwnerClaim.created_at if status == "pending" else OwnerClaim.decided_at.desc())
        .limit(500)
    ).all()
    counts = dict(
        db.session.execute(
            select(OwnerClaim.status, func.count(OwnerClaim.id))
            .where(OwnerClaim.community_id == community.id)
            .group_by(OwnerClaim.status)
        ).all()
    )
    return render_template(
        "accounts/claims.html",
        claims=rows,
        status=status,
        counts=counts,
        deciders=_users_by_id(c.decided_by_id for c in rows),
    )


def _users_by_id(ids) -> dict[int, User]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(wanted)))}


def _claim(community, claim_id: int) -> OwnerClaim:
    claim = db.session.get(OwnerClaim, claim_id)
    if claim is None or claim.community_id != community.id:
        abort(404)
    return claim


@bp.post("/c/<slug>/claims/<id:claim_id>/confirm")
@community_required(can_confirm_owners)
def confirm_claim(community, claim_id: int):
    claim = _claim(community, claim_id)
    try:
        services.confirm_claim(claim, actor=current_user)
    except Conflict as err:  # decided meanwhile (double click, two members): say so on the queue
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for("accounts.claims", slug=community.slug))
    flash(_("%(user)s is confirmed as an owner.", user=claim.user.name), "success")
    return redirect(url_for("accounts.claims", slug=community.slug))


@bp.post("/c/<slug>/claims/<id:claim_id>/reject")
@community_required(can_confirm_owners)
def reject_claim(community, claim_id: int):
    claim = _claim(community, claim_id)
    form = RejectForm()
    if not form.validate_on_submit():
        flash(_("Give a reason for the rejection."), "error")
        return redirect(url_for("accounts.claims", slug=community.slug))
    try:
        services.reject_claim(claim, form.reason.data, actor=current_user)
    except Conflict as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for("accounts.claims", slug=community.slug))
    flash(_("The registration has been rejected."), "success")
    return redirect(url_for("accounts.claims", slug=community.slug))


@bp.route("/c/<slug>/claim-sheets", methods=["GET", "POST"])
@community_required(can_issue_claim_codes)
def claim_sheets(community):
    if request.method == "POST":
        sheet = account_jobs.request_claim_sheet(community, actor=current_user)
        jobs.enqueue(account_jobs.render_claim_sheet, sheet.id)
        flash(_("The claim-code sheet is being prepared."), "success")
        return redirect(url_for("accounts.claim_sheets", slug=community.slug))
    sheets = db.session.scalars(
        select(ClaimSheet).where(ClaimSheet.community_id == community.id).order_by(ClaimSheet.id.desc()).limit(20)
    ).all()
    unclaimed = account_jobs.units_needing_codes_count(community)
    return render_template(
        "accounts/claim_sheets.html",
        sheets=sheets,
        unclaimed=unclaimed,
        requesters=_users_by_id(s.requested_by_id for s in sheets),
    )


@bp.get("/c/<slug>/claim-sheets/<id:sheet_id>")
@community_required(can_issue_claim_codes)
def claim_sheet(community, sheet_id: int):
    sheet = db.session.get(ClaimSheet, sheet_id)
    if sheet is None or sheet.community_id != community.id:
        abort(404)
    if sheet.status != "done":
        return render_template("accounts/claim_sheet_pending.html", sheet=sheet)
    return sheet.html, 200, {
        "Content-Type": "text/html; charset=utf-8",
        # The page holds live claim codes: never cache it, never send it on as a referrer.
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
        "Content-Security-Policy": _print_page_csp(sheet.html),
    }


def _print_page_csp(html: str) -> str:
    """The site's policy, with the print page's own inline ``<style>`` allowed by its hash and nothing else."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(block.encode("utf-8")).digest()).decode("ascii") + "'"
        for block in re.findall(r"<style>(.*?)</style>", html, flags=re.S)
    )
    style_src = hashes or "'none'"
    return (
        f"default-src 'none'; img-src 'self' data:; style-src {style_src}; "
        "script-src 'none'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"
    )


def pending_claims_count(community) -> int:
    return db.session.scalar(
        select(func.count(OwnerClaim.id)).where(
            OwnerClaim.community_id == community.id, OwnerClaim.status == "pending"
        )
    )
