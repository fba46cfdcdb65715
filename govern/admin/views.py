"""Platform-admin pages."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from govern.accounts.access import is_admin
from govern.admin.services import create_community
from govern.errors import DomainError
from govern.extensions import db
from govern.register.models import Community, Unit

bp = Blueprint("admin", __name__, url_prefix="/admin")


class CommunityForm(FlaskForm):
    slug = StringField(_l("Short name (in the address)"), validators=[DataRequired(), Length(max=63)],
                       render_kw={"autocapitalize": "none", "placeholder": "heping-garden"})
    name = StringField(_l("Community name"), validators=[DataRequired(), Length(max=200)])
    district = StringField(_l("Street office / district"), validators=[Length(max=200)])
    address = StringField(_l("Address"), validators=[Length(max=300)])


@bp.before_request
@login_required
def _admins_only():
    if not is_admin(current_user):
        abort(403)


@bp.route("/communities", methods=["GET", "POST"])
def communities():
    form = CommunityForm()
    status = 200
    if form.validate_on_submit():
        try:
            community = create_community(form.slug.data, form.name.data, district=form.district.data or "",
                                         address=form.address.data or "", actor=current_user)
        except DomainError as err:
            db.session.rollback()
            form.slug.errors.append(err.message)
            status = 400
        else:
            flash(_("The community %(name)s has been created.", name=community.name), "success")
            return redirect(url_for("admin.communities"))
    elif form.errors:
        status = 400
    rows = db.session.execute(
        select(Community, func.count(Unit.id))
        .outerjoin(Unit, Unit.community_id == Community.id)
        .group_by(Community.id)
        .order_by(Community.name)
    ).all()
    return render_template("admin/communities.html", form=form, rows=rows), status
