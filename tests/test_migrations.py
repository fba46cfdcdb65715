"""Migrations: one head, `upgrade` works on an empty database, and the models match the migrations."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect

from govern import ROOT
from govern.extensions import db
from tests.conftest import ON_POSTGRES


def _script() -> ScriptDirectory:
    from alembic.config import Config

    cfg = Config(str(ROOT / "migrations" / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    return ScriptDirectory.from_config(cfg)


def test_migrations_single_head():
    assert len(_script().get_heads()) == 1


def test_upgrade_empty_database_matches_models(make_app, tmp_path):
    if ON_POSTGRES:
        app = make_app()
        with app.app_context():
            db.drop_all()
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    else:
        app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    with app.app_context():
        try:
            upgrade(directory=str(ROOT / "migrations"))
            tables = set(inspect(db.engine).get_table_names())
            assert set(db.metadata.tables) <= tables
            with db.engine.connect() as conn:
                diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), db.metadata)
            assert diff == [], f"models and migrations differ: {diff}"
        finally:
            if ON_POSTGRES:
                # Leave the schema as the other tests expect it, whatever happened above.
                db.session.remove()
                with db.engine.begin() as conn:
                    conn.exec_driver_sql("DROP SCHEMA public CASCADE")
                    conn.exec_driver_sql("CREATE SCHEMA public")
                db.create_all()


def test_upgrade_is_idempotent_on_sqlite(tmp_path, make_app):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'twice.sqlite3'}")
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        upgrade(directory=str(ROOT / "migrations"))
        engine = create_engine(f"sqlite:///{tmp_path / 'twice.sqlite3'}")
        assert "alembic_version" in inspect(engine).get_table_names()
        engine.dispose()


def test_downgrade_to_base_and_upgrade_again(make_app, tmp_path):
    from flask_migrate import downgrade

    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'roundtrip.sqlite3'}")
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        downgrade(directory=str(ROOT / "migrations"), revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade(directory=str(ROOT / "migrations"))
        assert set(db.metadata.tables) <= set(inspect(db.engine).get_table_names())
