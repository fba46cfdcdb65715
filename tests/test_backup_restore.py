"""Backup and restore as docs/deployment.md prescribes: pg_dump of a live database, pg_restore into a fresh one.

The records exported before the dump and after the restore are byte for byte the same (auditor and public
editions), and they verify. PostgreSQL only (pg_dump and pg_restore on the PATH).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import ON_POSTGRES, PG_URL

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not ON_POSTGRES, reason="needs DATABASE_URL pointing at PostgreSQL (pg_dump/pg_restore)"),
    pytest.mark.skipif(not (shutil.which("pg_dump") and shutil.which("pg_restore")),
                       reason="needs pg_dump and pg_restore on the PATH"),
]

CAST = 12


#: One build time for the records before and after the restore (so they are byte-identical). It lies after the
#: roll's freeze: a record lists the keys valid within [roll frozen, record built].
BUILT_AT = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)


def _records(app, mid: int) -> dict[str, bytes]:
    from govern.ballots.models import Meeting
    from govern.extensions import db
    from govern.record.export import export_record

    at = BUILT_AT
    with app.test_request_context():
        meeting = db.session.get(Meeting, mid)
        out = {edition: export_record(meeting, edition=edition, created_at=at) for edition in ("auditor", "public")}
        db.session.rollback()
        return out


def test_pg_dump_and_restore_keep_every_record(tmp_path):
    import psycopg

    from govern import create_app
    from govern.core.keys import b64url_decode, b64url_encode, private_key_from_bytes, public_key_b64
    from govern.core.verify import verify_record
    from govern.extensions import db
    from govern.meetings import services
    from tests.test_two_nodes import _ballot, _plain, _seed

    base, _, name = _plain(PG_URL).rpartition("/")
    name = name.partition("?")[0]
    source, restored = f"{name}_backup_src", f"{name}_backup_dst"
    admin = f"{base}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        for db_name in (source, restored):
            conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{source}"')
        conn.execute(f'CREATE DATABASE "{restored}"')
    apps = []
    try:
        seed = b64url_encode(os.urandom(32))
        server_public_key = public_key_b64(private_key_from_bytes(b64url_decode(seed, length=32)))
        src_app = create_app({"TESTING": True, "SECRET_KEY": "s", "INSTANCE_PATH": str(tmp_path / "schema"),
                              "SQLALCHEMY_DATABASE_URI": f"{base}/{source}".replace("postgresql://",
                                                                                   "postgresql+psycopg://", 1)})
        apps.append(src_app)
        with src_app.app_context():
            db.create_all()
        world = _seed(tmp_path, f"{base}/{source}", seed)
        apps.append(world["app"])
        app, mid = world["app"], world["meeting"]
        from govern.accounts.models import User
        from govern.ballots.models import Meeting

        with app.test_request_context():
            meeting = db.session.get(Meeting, mid)
            for owner in world["owners"][:CAST]:
                services.cast_ballot(meeting, _ballot(world, owner, "agree"), actor=db.session.get(User, owner["user"]))
            db.session.commit()
        before = _records(app, mid)

        dump = tmp_path / "govern.dump"
        subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", f"{base}/{source}"],
                       check=True, capture_output=True, timeout=120)
        subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={base}/{restored}", str(dump)],
                       check=True, capture_output=True, timeout=120)

        restored_app = create_app({"TESTING": True, "SECRET_KEY": "s", "INSTANCE_PATH": str(tmp_path / "restored"),
                                   "GOVERN_SERVER_KEY": seed,
                                   "SQLALCHEMY_DATABASE_URI": f"{base}/{restored}".replace(
                                       "postgresql://", "postgresql+psycopg://", 1)})
        apps.append(restored_app)
        after = _records(restored_app, mid)
        assert after == before
        for edition, data in after.items():
            report = verify_record(data, workers=1, server_key=server_public_key)
            assert report.problems == [] and report.ballots == CAST, (edition, report.problems)
    finally:
        for a in apps:
            with a.app_context():
                db.session.remove()
                db.engine.dispose()
        with psycopg.connect(admin, autocommit=True) as conn:
            for db_name in (source, restored):
                conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
