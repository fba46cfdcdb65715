"""Platform-admin use cases."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import select

from govern.audit.services import log_action
from govern.errors import Conflict, DomainError
from govern.extensions import db
from govern.register.models import Community

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


def create_community(slug: str, name: str, *, district: str = "", address: str = "", actor) -> Community:
    """Create a community; its slug is its short address (/c/<slug>/)."""
    slug, name = slug.strip().lower(), name.strip()
    if not SLUG_RE.match(slug):
        raise DomainError("bad_slug", _("The short name has 2 to 63 lowercase letters, digits or hyphens."))
    if not name:
        raise DomainError("name_required", _("Enter the community's name."))
    if db.session.scalar(select(Community.id).where(Community.slug == slug)) is not None:
        raise Conflict("slug_taken", _("A community with this short name already exists."))
    community = Community(slug=slug, name=name[:200], district=district.strip()[:200], address=address.strip()[:300])
    db.session.add(community)
    db.session.flush()
    log_action("community.create", actor=actor, community=community, obj=community,
           data={"slug": slug, "name": community.name, "district": community.district})
    return community
