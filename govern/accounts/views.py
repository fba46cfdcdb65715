"""Account pages: login, registration by claim code, profile, roles, owner confirmation, claim sheets."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func, select

from govern import jobs
from govern.accounts import services
from govern.accounts.access import (
    can_confirm_owners,
    can_grant_roles,
    can_issue_claim_codes,
    community_required,
)
from govern.accounts.forms import (
    ClaimCodeForm,
    GrantRoleForm,
    LanguageForm,
    LoginForm,
    PasswordForm,
    RegisterForm,
    RejectForm,
)
from govern.accounts.models import ApiToken, ClaimSheet, OwnerClaim, Role, RoleGrant, User
from govern.errors import DomainError
from govern.extensions import db, limiter
from govern.templating import ROLE_LABELS

bp = Blueprint("accounts", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _safe_next(target: str | None) -> str:
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.username.data, form.password.data)
        except services.LoginFailed as err:
            jobs.commit()  # keep the failure count
            flash(err.message, "error")
            return render_template("accounts/login.html", form=form), 401
        login_user(user, remember=form.remember.data)
        if user.locale:
            session["lang"] = user.locale
        jobs.commit()
        return redirect(_safe_next(request.args.get("next")))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
def logout():
    logout_user()
    flash(_("You have logged out."), "success")
    return redirect(url_for("home.index"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def register():
    """Two steps on one page: the claim code first, then the account for one of the unit's owners."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    code_form = ClaimCodeForm(prefix="c")
    form = RegisterForm()
    unit = None
    if "c-code" in request.form and code_form.validate_on_submit():
        try:
            unit = services.find_claim_code(code_form.code.data).unit
        except DomainError as err:
            code_form.code.errors.append(err.message)
            return render_template("accounts/register.html", code_form=code_form, form=None, unit=None), 400
        form.code.data = code_form.code.data
    elif "code" in request.form:
        try:
            unit = services.find_claim_code(form.code.data or "").unit
        except DomainError as err:
            code_form.code.errors.append(err.message)
            return render_template("accounts/register.html", code_form=code_form, form=None, unit=None), 400
        form.owner_id.choices = [(o.id, o.name_masked or o.ref) for o in unit.owners]
        if form.validate_on_submit():
            try:
                services.register_owner(
                    code=form.code.data,
                    owner_id=form.owner_id.data,
                    phone=form.phone.data,
                    username=form.username.data,
                    password=form.password.data,
                    display_name=form.display_name.data,
                )
            except DomainError as err:
                db.session.rollback()
                flash(err.message, "error")
                return render_template("accounts/register.html", code_form=None, form=form, unit=unit), 400
            user = db.session.scalar(select(User).where(User.username == form.username.data.strip()))
            login_user(user)
            jobs.commit()
            flash(_("Your account is open. A committee member will confirm you against the register; "
                    "until then you can read but not act."), "success")
            return redirect(url_for("home.index"))
        return render_template("accounts/register.html", code_form=None, form=form, unit=unit), 400
    if unit is not None:
        form.owner_id.choices = [(o.id, o.name_masked or o.ref) for o in unit.owners]
        return render_template("accounts/register.html", code_form=None, form=form, unit=unit)
    return render_template("accounts/register.html", code_form=code_form, form=None, unit=None)


@bp.get("/profile")
@login_required
def profile():
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.created_at.desc()).limit(20)
    ).all()
    grants = [g for g in current_user.grants if g.is_active]
    claims = db.session.scalars(select(OwnerClaim).where(OwnerClaim.user_id == current_user.id)).all()
    lang_form = LanguageForm(locale=current_user.locale or current_app.config["BABEL_DEFAULT_LOCALE"])
    return render_template(
        "accounts/profile.html",
        tokens=tokens,
        grants=grants,
        claims=claims,
        password_form=PasswordForm(),
        lang_form=lang_form,
    )


@bp.post("/profile/password")
@login_required
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        services.change_password(current_user, form.old.data, form.new.data)
        jobs.commit()
        flash(_("Your password has been changed."), "success")
    else:
        for errors in form.errors.values():
            for e in errors:
                flash(e, "error")
    return redirect(url_for("accounts.profile"))


@bp.post("/profile/language")
@login_required
def change_language():
    form = LanguageForm()
    if form.validate_on_submit():
        services.set_locale(current_user, form.locale.data)
        session["lang"] = form.locale.data
        jobs.commit()
    return redirect(url_for("accounts.profile"))


@bp.post("/profile/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    services.revoke_token(token, actor=current_user)
    jobs.commit()
    flash(_("The token has been revoked."), "success")
    return redirect(url_for("accounts.profile"))


# --- community administration ------------------------------------------------------------

GRANTABLE = [r for r in Role if r not in (Role.ADMIN, Role.OWNER)]


@bp.route("/c/<slug>/roles", methods=["GET", "POST"])
@community_required(can_grant_roles)
def roles(community):
    form = GrantRoleForm()
    form.role.choices = [(r.value, str(ROLE_LABELS[r.value])) for r in GRANTABLE]
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.username == form.username.data.strip()))
        if user is None:
            form.username.errors.append(_("There is no account with this username."))
        else:
            try:
                services.grant_role(user, Role(form.role.data), community, actor=current_user)
                jobs.commit()
                flash(_("Role granted."), "success")
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
    return render_template("accounts/roles.html", form=form, grants=grants), status


@bp.post("/c/<slug>/roles/<int:grant_id>/revoke")
@community_required(can_grant_roles)
def revoke_role(community, grant_id: int):
    grant = db.session.get(RoleGrant, grant_id)
    if grant is None or grant.community_id != community.id:
        abort(404)
    services.revoke_role(grant, actor=current_user)
    jobs.commit()
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
        .order_by(OwnerClaim.created_at)
    ).all()
    return render_template("accounts/claims.html", claims=rows, status=status, reject_form=RejectForm())


def _claim(community, claim_id: int) -> OwnerClaim:
    claim = db.session.get(OwnerClaim, claim_id)
    if claim is None or claim.community_id != community.id:
        abort(404)
    return claim


@bp.post("/c/<slug>/claims/<int:claim_id>/confirm")
@community_required(can_confirm_owners)
def confirm_claim(community, claim_id: int):
    claim = _claim(community, claim_id)
    services.confirm_claim(claim, actor=current_user)
    jobs.commit()
    flash(_("%(user)s is confirmed as an owner.", user=claim.user.name), "success")
    return redirect(url_for("accounts.claims", slug=community.slug))


@bp.post("/c/<slug>/claims/<int:claim_id>/reject")
@community_required(can_confirm_owners)
def reject_claim(community, claim_id: int):
    claim = _claim(community, claim_id)
    form = RejectForm()
    if not form.validate_on_submit():
        flash(_("Give a reason for the rejection."), "error")
        return redirect(url_for("accounts.claims", slug=community.slug))
    services.reject_claim(claim, form.reason.data, actor=current_user)
    jobs.commit()
    flash(_("The registration has been rejected."), "success")
    return redirect(url_for("accounts.claims", slug=community.slug))


@bp.route("/c/<slug>/claim-sheets", methods=["GET", "POST"])
@community_required(can_issue_claim_codes)
def claim_sheets(community):
    from govern.accounts import jobs as account_jobs

    if request.method == "POST":
        sheet = account_jobs.request_claim_sheet(community, actor=current_user)
        jobs.enqueue(account_jobs.render_claim_sheet, sheet.id)
        jobs.commit()
        flash(_("The claim-code sheet is being prepared."), "success")
        return redirect(url_for("accounts.claim_sheets", slug=community.slug))
    sheets = db.session.scalars(
        select(ClaimSheet).where(ClaimSheet.community_id == community.id).order_by(ClaimSheet.id.desc()).limit(20)
    ).all()
    unclaimed = account_jobs.units_needing_codes_count(community)
    return render_template("accounts/claim_sheets.html", sheets=sheets, unclaimed=unclaimed)


@bp.get("/c/<slug>/claim-sheets/<int:sheet_id>")
@community_required(can_issue_claim_codes)
def claim_sheet(community, sheet_id: int):
    sheet = db.session.get(ClaimSheet, sheet_id)
    if sheet is None or sheet.community_id != community.id:
        abort(404)
    if sheet.status != "done":
        return render_template("accounts/claim_sheet_pending.html", sheet=sheet)
    return sheet.html, 200, {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}


def pending_claims_count(community) -> int:
    return db.session.scalar(
        select(func.count(OwnerClaim.id)).where(
            OwnerClaim.community_id == community.id, OwnerClaim.status == "pending"
        )
    )
