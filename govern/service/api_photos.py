"""Photos of service requests through the API: filing with photos (``multipart/form-data`` on
``POST /service-requests``) and reading a photo back.

The same limits and checks as the page: at most ``MAX_PHOTOS`` photos, each a real PNG or JPEG (magic bytes and
extension, ``govern.uploads.store_upload``) of at most ``COMMUNICATION_MAX_UPLOAD_BYTES``; refusals are 400
``invalid`` (too many), 413 ``too_large``, 415 ``bad_type``, 400 ``empty``.
"""

from __future__ import annotations

from flask import current_app, request, send_file
from flask_babel import gettext as _
from flask_login import current_user

from govern.api import api_login_required, make_blueprint
from govern.errors import DomainError, NotFound
from govern.extensions import db
from govern.service.access import can_see_request
from govern.service.models import ServicePhoto, ServiceRequest
from govern.uploads import DEFAULT_MAX_BYTES, upload_dir

bp = make_blueprint("service_photos_api", __name__)

#: The text fields of a multipart filing (the JSON body's, ``unit_id`` as decimal text).
TEXT_FIELDS = ("community", "category", "subcategory", "description", "common_area")


def multipart_request() -> tuple[dict, list[tuple[str, bytes]]]:
    """The filing's fields and photos from ``multipart/form-data``: 400 ``bad_request`` naming a field given
    twice or a ``unit_id`` that is not a number."""
    data: dict = {}
    for name in (*TEXT_FIELDS, "unit_id"):
        values = request.form.getlist(name)
        if len(values) > 1:
            raise DomainError("bad_request", _("Field %(field)s must be given once.", field=name), status=400)
        if values:
            data[name] = values[0]
    if "community" not in data:
        raise DomainError("bad_request", _("Missing fields: %(fields)s", fields="community"), status=400)
    if data.get("unit_id"):
        if not data["unit_id"].isascii() or not data["unit_id"].isdigit() or len(data["unit_id"]) > 10:
            raise DomainError("bad_request", _("Field %(field)s must be a number.", field="unit_id"), status=400)
        data["unit_id"] = int(data["unit_id"])
    files = request.files.getlist("photos")  # how many: the service's check (400 invalid, details.photos)
    limit = int(current_app.config.get("COMMUNICATION_MAX_UPLOAD_BYTES", DEFAULT_MAX_BYTES))
    return data, [(f.filename or "", f.read(limit + 1)) for f in files]


@bp.get("/service-requests/<id:service_request_id>/photos/<id:photo_id>")
@api_login_required
def get_photo(service_request_id: int, photo_id: int):
    """A photo of a request the caller may see (404 otherwise, as for the request itself)."""
    req = db.session.get(ServiceRequest, service_request_id)
    row = db.session.get(ServicePhoto, photo_id)
    if req is None or not can_see_request(current_user, req) or row is None or row.request_id != req.id:
        raise NotFound("not_found", _("There is no such photo."))
    path = upload_dir("service") / row.sha256
    if not path.exists():
        raise NotFound("not_found", _("There is no such photo."))
    return send_file(path, mimetype=row.content_type, download_name=row.filename)
