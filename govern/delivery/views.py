"""Delivery pages: channel preferences, the in-app inbox, the SMS outbox, meeting reminder schedules."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from govern.accounts import otp
from govern.accounts.access import community_required
from govern.ballots.models import Meeting
from govern.delivery import key_notice, reminders, services  # noqa: F401  (key_notice connects to key_replaced)
from govern.delivery.access import can_read_sms_outbox, can_schedule_reminders, can_set_preferences
from govern.delivery.forms import PreferencesForm, ScheduleForm
from govern.delivery.inbox import mark_read, personal_messages
from govern.delivery.jobs import send_code_text
from govern.delivery.models import Delivery, SmsOutbox
from govern.delivery.quiet import community_window
from govern.errors import DomainError
from govern.extensions import db

bp = Blueprint("delivery", __name__, url_prefix="/c/<slug>")
# One-time codes and sign-in alerts (govern.accounts.otp, a lower layer) leave through delivery's channels.
bp.record_once(lambda state: otp.set_sender(send_code_text))


@bp.route("/preferences", methods=["GET", "POST"])
@community_required(can_set_preferences)
def preferences(community):
    pref = services.preference_of(current_user, community)
    form = PreferencesForm(obj=pref)
    if not form.is_submitted() and pref is None:
        form.phone.data = current_user.phone
        form.email.data = current_user.email
    status = 200
    if form.validate_on_submit():
        try:
            services.update_preferences(current_user, community, form.data, actor=current_user)
        except DomainError as err:
            db.session.rollback()
            for name, msg in err.details.items():
                getattr(form, name).errors = [*getattr(form, name).errors, msg]
            status = 400
        else:
            flash(_("Your channels are saved."), "success")
            return redirect(url_for("delivery.preferences", slug=community.slug))
    elif form.is_submitted():
        status = 400
    return render_template("notices/preferences.html", form=form, pref=pref), status


@bp.get("/inbox")
@community_required(can_set_preferences)
def inbox(community):
    """The one inbox: the account's personal messages (its tab beside the notices); showing them marks them read."""
    rows = personal_messages(current_user, community)
    mark_read(current_user, community)
    return render_template("notices/inbox.html", rows=rows)


@bp.get("/sms-outbox")
@community_required(can_read_sms_outbox)
def sms_outbox(community):
    rows = list(db.session.scalars(select(SmsOutbox).where(SmsOutbox.community_id == community.id)
                                   .order_by(SmsOutbox.id.desc()).limit(200)))
    failed = list(db.session.scalars(select(Delivery).where(
        Delivery.community_id == community.id, Delivery.channel != "in_app",
        Delivery.status.in_(["failed", "not_configured"])).order_by(Delivery.id.desc()).limit(50)))
    return render_template("notices/outbox.html", rows=rows, failed=failed)


@bp.route("/meetings/<id:meeting_id>/reminders", methods=["GET", "POST"])
@community_required(can_schedule_reminders)
def meeting_reminders(community, meeting_id: int):
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or meeting.community_id != community.id:
        abort(404)
    form = ScheduleForm()
    status = 200
    if form.validate_on_submit():
        try:
            offsets = reminders.parse_offsets(form.offsets.data or "")
            created = reminders.set_meeting_schedule(meeting, offsets, actor=current_user)
        except DomainError as err:
            db.session.rollback()
            form.offsets.errors = [*form.offsets.errors, err.message]
            status = 400
        else:
            flash(_("%(n)d reminders are scheduled.", n=len(created)), "success")
            return redirect(url_for("delivery.meeting_reminders", slug=community.slug, meeting_id=meeting.id))
    window = community_window(community)
    return render_template("notices/reminders.html", form=form, meeting=meeting,
                           rows=reminders.meeting_reminders(meeting), window=window), status
