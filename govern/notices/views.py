"""Notice pages: list, publish, read (with the read receipt), acknowledge, receipts, remind, print."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from govern.accounts.access import community_required
from govern.delivery.services import absolute_url
from govern.errors import DomainError
from govern.extensions import db
from govern.markdown import render
from govern.notices import inbox, panels, services, verdicts  # noqa: F401 - panels, verdicts register hooks
from govern.notices.access import can_follow_up_notices, can_publish_notices, can_read_notices
from govern.notices.forms import NoticeForm
from govern.notices.models import Notice, NoticeAttachment, NoticeReceipt
from govern.notices.uploads import upload_dir

bp = Blueprint("notices", __name__, url_prefix="/c/<slug>/notices")
bp.app_context_processor(inbox.template_globals)


def _notice(community, notice_id: int) -> Notice:
    notice = db.session.get(Notice, notice_id)
    if notice is None or notice.community_id != community.id:
        abort(404)
    return notice


@bp.get("/")
@community_required(can_read_notices)
def index(community):
    notices = list(db.session.scalars(select(Notice).where(Notice.community_id == community.id)
                                      .order_by(Notice.published_at.desc()).limit(100)))
    mine = {r.notice_id: r for r in db.session.scalars(select(NoticeReceipt).where(
        NoticeReceipt.user_id == current_user.id, NoticeReceipt.notice_id.in_([n.id for n in notices])))}
    return render_template("notices/index.html", notices=notices, mine=mine,
                           can_publish=can_publish_notices(current_user, community))


@bp.route("/new", methods=["GET", "POST"])
@community_required(can_publish_notices)
def new(community):
    form = NoticeForm()
    status = 200
    if form.validate_on_submit():
        files = [(f.filename or "", f.read()) for f in form.attachments.data or [] if getattr(f, "filename", "")]
        try:
            notice = services.publish_notice(community, form.data, actor=current_user, files=files)
        except DomainError as err:
            db.session.rollback()
            for name, msg in err.details.items():
                getattr(form, name).errors = [*getattr(form, name).errors, msg]
            flash(err.message, "error")
            status = err.status
        else:
            flash(_("The notice was published to %(n)d recipients.", n=notice.recipient_count), "success")
            return redirect(url_for("notices.show", slug=community.slug, notice_id=notice.id))
    elif form.is_submitted():
        status = 400
    return render_template("notices/new.html", form=form, buildings=[b.code for b in community.buildings]), status


@bp.get("/<id:notice_id>")
@community_required(can_read_notices)
def show(community, notice_id: int):
    notice = _notice(community, notice_id)
    receipt = services.receipt_of(notice, current_user)  # the read receipt is a POST the page sends (viewed)
    follow = can_follow_up_notices(current_user, community)
    return render_template("notices/show.html", notice=notice, receipt=receipt, body=render(notice.body),
                           counts=services.receipt_counts(notice) if follow else None, can_follow=follow,
                           can_remind=can_publish_notices(current_user, community))


@bp.post("/<id:notice_id>/viewed")
@community_required(can_read_notices)
def viewed(community, notice_id: int):
    """The read receipt, sent by the notice page when it is shown (static/js/notice-viewed.js), or by its
    "Mark as read" button without JavaScript. The first time counts; later ones change nothing."""
    services.record_view(_notice(community, notice_id), current_user)
    if request.accept_mimetypes.best == "application/json":
        return "", 204
    return redirect(url_for("notices.show", slug=community.slug, notice_id=notice_id))


@bp.post("/<id:notice_id>/acknowledge")
@community_required(can_read_notices)
def acknowledge(community, notice_id: int):
    notice = _notice(community, notice_id)
    services.acknowledge_notice(notice, actor=current_user)
    flash(_("Thank you: your acknowledgement is recorded."), "success")
    return redirect(url_for("notices.show", slug=community.slug, notice_id=notice.id))


@bp.get("/<id:notice_id>/receipts")
@community_required(can_follow_up_notices)
def receipts(community, notice_id: int):
    notice = _notice(community, notice_id)
    return render_template("notices/receipts.html", notice=notice, receipts=services.receipts(notice),
                           counts=services.receipt_counts(notice),
                           can_remind=can_publish_notices(current_user, community))


@bp.post("/<id:notice_id>/remind")
@community_required(can_publish_notices)
def remind(community, notice_id: int):
    notice = _notice(community, notice_id)
    sent = services.remind_notice(community, notice, actor=current_user)
    if sent:
        flash(_("A reminder went to %(n)d recipients.", n=sent), "success")
    else:
        flash(_("Nobody needed a reminder now (or it waits for the end of quiet hours)."), "info")
    return redirect(url_for("notices.receipts", slug=community.slug, notice_id=notice.id))


@bp.get("/<id:notice_id>/print")
@community_required(can_read_notices)
def print_notice(community, notice_id: int):
    """A printable page for the lobby board, with a QR code to the notice."""
    import segno

    notice = _notice(community, notice_id)
    link = absolute_url(services.notice_path(community, notice))
    qr = segno.make(link, error="m").svg_data_uri(scale=4, border=2)
    return render_template("notices/print.html", notice=notice, body=render(notice.body), link=link, qr=qr)


@bp.get("/<id:notice_id>/attachments/<id:attachment_id>")
@community_required(can_read_notices)
def attachment(community, notice_id: int, attachment_id: int):
    notice = _notice(community, notice_id)
    att = db.session.get(NoticeAttachment, attachment_id)
    if att is None or att.notice_id != notice.id:
        abort(404)
    path = upload_dir("notices") / att.sha256
    if not path.exists():
        abort(404)
    return send_file(path, mimetype=att.content_type, download_name=att.filename,
                     as_attachment=att.content_type == "application/pdf")
