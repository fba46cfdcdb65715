"""The register import service: good files, every kind of bad line, idempotency, the diff, removals."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from govern.accounts.models import OwnerClaim
from govern.extensions import db
from govern.register.models import Community
from govern.register.services import (
    _ERROR_MESSAGES,
    EXAMPLE_CSV,
    RegisterImportError,
    describe_error,
    import_register,
    mask_id_number,
)
from tests.register.helpers import GOOD, HEADER, import_entries, snapshot

CONTACT_HEADER = "unit,building,area,status,owners,owner_names,owner_phones,owner_emails,owner_kinds,voter\n"


def run_import(app, cid: int, data: bytes | str):
    """Import into community ``cid`` and commit; return the report."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    with app.app_context():
        community = db.session.get(Community, cid)
        try:
            report = import_register(community, data, actor=None, source="test")
        except RegisterImportError:
            db.session.rollback()
            raise
        db.session.commit()
        return report


def errors_of(app, cid: int, data: bytes | str):
    with pytest.raises(RegisterImportError) as exc:
        run_import(app, cid, data)
    return exc.value.errors


def test_import_good_file_creates_units_buildings_owners(app, factory):
    cid = factory.community(register=None)
    report = run_import(app, cid, GOOD)
    snap = snapshot(app, cid)
    assert sorted(report.units_added) == sorted(snap["units"])
    assert report.owners_added == ["A", "B1", "B2", "C", "Q"]
    assert snap["buildings"] == ["1", "2", "P"]
    assert snap["units"]["1-0101"] == ("1", 8950, "register", "delivered", True, (("A", 0, True),))
    # Co-owners, with the voter named in the file.
    assert snap["units"]["1-0102"] == ("1", 12025, "survey", "delivered", True, (("B1", 0, False), ("B2", 1, True)))
    # Developer units: unsold without owners, sold-undelivered with its buyer on record.
    assert snap["units"]["2-0101"][3:] == ("unsold", True, ())
    assert snap["units"]["2-0102"][2:4] == ("contract", "sold_undelivered")
    # counts=no
    assert snap["units"]["P-001"][4] is False
    assert snap["owners"]["A"] == ("natural", "张三", "13800000001", "a@example.cn", "1101**********1234", None)
    assert snap["owners"]["C"][0:2] == ("legal", "示范物业有限公司")


def test_import_co_owned_without_voter_first_id_designated(app, factory):
    cid = factory.community(register=None)
    run_import(app, cid, HEADER + "1,1,80,delivered,Z;M\n")
    assert snapshot(app, cid)["units"]["1"][5] == (("M", 0, True), ("Z", 1, False))


def test_import_developer_id_on_unsold_unit_is_not_an_owner(app, factory):
    cid = factory.community(register=None)
    report = run_import(app, cid, HEADER + "1,1,80,unsold,DEVELOPER\n")
    assert report.owners_added == []
    assert snapshot(app, cid)["units"]["1"][5] == ()


def test_import_example_file_imports_cleanly(app, factory):
    cid = factory.community(register=None)
    report = run_import(app, cid, EXAMPLE_CSV)
    assert len(report.units_added) == 6
    assert report.ignored_columns == []


def test_import_bom_and_fullwidth_separators_accepted(app, factory):
    cid = factory.community(register=None)
    run_import(app, cid, "\ufeff" + CONTACT_HEADER + "1,1,80,delivered,A；B,A＝张三；B=李四,,,,B\n")
    snap = snapshot(app, cid)
    assert snap["owners"]["A"][1] == "张三"
    assert snap["units"]["1"][5] == (("A", 0, False), ("B", 1, True))


def test_import_unknown_column_ignored_and_reported(app, factory):
    cid = factory.community(register=None)
    report = run_import(app, cid, "unit,building,area,status,owners,owner_phone\n1,1,80,delivered,A,A=1\n")
    assert report.ignored_columns == ["owner_phone"]


def test_mask_id_number_never_keeps_the_whole():
    assert mask_id_number("110101199001011234") == "1101**********1234"
    assert mask_id_number("E12345678") == "******678"
    assert mask_id_number("12345678") == "********"
    for value in ("110101199001011234", "E12345678", "AB12"):
        assert mask_id_number(mask_id_number(value)) == mask_id_number(value)


BAD = [
    # (name, file text, line, code)
    ("bad_area", HEADER + "1,1,80,delivered,A\n2,1,eighty,delivered,B\n", 3, "bad_area"),
    ("too_many_decimals", HEADER + "1,1,80.123,delivered,A\n", 2, "too_many_decimals"),
    ("zero_area", HEADER + "1,1,0,delivered,A\n", 2, "area_not_positive"),
    ("negative_area", HEADER + "1,1,-5,delivered,A\n", 2, "area_not_positive"),
    ("unknown_status", HEADER + "1,1,80,sold,A\n", 2, "unknown_status"),
    ("duplicate_unit", HEADER + "1,1,80,delivered,A\n1,1,80,delivered,B\n", 3, "duplicate_unit"),
    ("missing_column", "unit,building,area,status\n1,1,80,delivered\n", 1, "missing_column"),
    ("duplicate_column", "unit,building,area,status,owners,unit\n1,1,80,delivered,A,1\n", 1, "duplicate_column"),
    ("wrong_field_count", HEADER + "1,1,80,delivered,A,extra\n", 2, "wrong_field_count"),
    ("empty_owners", HEADER + "1,1,80,delivered,\n", 2, "empty_owners"),
    ("empty_unit", HEADER + ",1,80,delivered,A\n", 2, "empty_unit"),
    ("empty_building", HEADER + "1,,80,delivered,A\n", 2, "empty_building"),
    ("bad_owner_id", HEADER + "1,1,80,delivered,A+B\n", 2, "bad_owner_id"),
    ("bad_owner_id_developer_unit", HEADER + "1,1,80,unsold,A+B\n", 2, "bad_owner_id"),
    ("bad_area_source", "unit,building,area,status,owners,area_source\n1,1,80,delivered,A,guess\n", 2,
     "bad_area_source"),
    ("bad_counts", "unit,building,area,status,owners,counts\n1,1,80,delivered,A,maybe\n", 2, "bad_counts"),
    ("bad_contact_pair", CONTACT_HEADER + "1,1,80,delivered,A,张三,,,,\n", 2, "bad_contact_pair"),
    ("contact_for_non_owner", CONTACT_HEADER + "1,1,80,delivered,A,B=李四,,,,\n", 2, "contact_unknown_owner"),
    ("conflicting_contact", CONTACT_HEADER + "1,1,80,delivered,A,A=张三,,,,\n2,1,80,delivered,A,A=张四,,,,\n", 3,
     "conflicting_contact"),
    ("bad_owner_kind", CONTACT_HEADER + "1,1,80,delivered,A,,,,A=robot,\n", 2, "bad_owner_kind"),
    ("bad_phone", CONTACT_HEADER + "1,1,80,delivered,A,,A=call me,,,\n", 2, "bad_phone"),
    ("bad_email", CONTACT_HEADER + "1,1,80,delivered,A,,,A=nobody,,\n", 2, "bad_email"),
    ("voter_not_owner", CONTACT_HEADER + "1,1,80,delivered,A;B,,,,,C\n", 2, "voter_not_owner"),
    ("empty_file", "", 1, "empty_file"),
    ("header_only", HEADER, 2, "no_units"),
    ("field_too_long", HEADER + "1,1,80,delivered,A\n2,1,80,delivered," + "B" * 200_000 + "\n", 3, "bad_csv"),
]


@pytest.mark.parametrize(("text", "line", "code"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_import_bad_line_reported_and_nothing_changed(app, factory, text, line, code):
    cid = factory.community()
    before = snapshot(app, cid)
    errors = errors_of(app, cid, text)
    assert (line, code) in [(e.line, e.code) for e in errors]
    assert snapshot(app, cid) == before


def test_import_non_utf8_file_reports_line_and_changes_nothing(app, factory):
    cid = factory.community()
    before = snapshot(app, cid)
    data = (HEADER + "1,1,80,delivered,A\n2,1,80,delivered,张三\n").encode("gbk")
    errors = errors_of(app, cid, data)
    assert [(e.line, e.code) for e in errors] == [(3, "bad_encoding")]
    assert snapshot(app, cid) == before


def test_import_several_bad_lines_all_reported_in_line_order(app, factory):
    cid = factory.community()
    errors = errors_of(app, cid, CONTACT_HEADER + "1,1,x,delivered,A,,,,,\n2,1,80,delivered,A,B=x,,,,\n"
                       "3,1,80,delivered,,,,,,\n")
    assert [(e.line, e.code) for e in errors] == [(2, "bad_area"), (3, "contact_unknown_owner"), (4, "empty_owners")]


def test_error_messages_cover_every_code_with_the_parser_params(app):
    # Every code the tests above produce (and unit_in_use) has a template that formats with its params.
    codes = {b[3] for b in BAD} | {"bad_encoding", "unit_in_use"}
    assert codes <= set(_ERROR_MESSAGES)
    from govern.core.register import LineError

    with app.test_request_context("/?lang=en"):
        err = LineError(2, "bad_area", {"unit": "1", "value": "x"}, "english fallback")
        assert describe_error(err) == "Unit 1: the area “x” is not a number of square metres (e.g. 89.50)."
        assert describe_error(LineError(2, "unknown_code", {}, "fallback")) == "fallback"
        assert describe_error(LineError(2, "bad_area", {}, "missing params")) == "missing params"


def test_import_same_file_twice_reports_nothing_and_one_audit_entry(app, factory):
    cid = factory.community(register=None)
    run_import(app, cid, GOOD)
    before = snapshot(app, cid)
    report = run_import(app, cid, GOOD)
    assert not report.changed_anything
    assert report.unchanged == 6
    assert report.summary() == (
        "units: 0 added, 0 changed, 0 removed, 6 unchanged; owners: 0 added, 0 changed, 0 removed")
    assert snapshot(app, cid) == before
    assert len(import_entries(app)) == 1


def test_import_changed_file_reports_exactly_the_diff(app, factory):
    cid = factory.community(register=None)
    run_import(app, cid, GOOD)
    changed = (GOOD.replace("1-0201,1,89.50", "1-0201,1,89.60")              # area
               .replace("B1;B2,survey,,B1=李四;B2=王五,B1=13800000002,,,,B2",
                        "B1;B2,survey,,B1=李四;B2=王五,B1=13800000009,,,,B1")  # phone of B1 and the voter
               .replace("P-001,P,12.00,delivered,C,,no,C=示范物业有限公司,,,C=legal,,\n", "")  # P-001 and C leave
               + "3-0101,3,95.00,delivered,D,,,D=钱七,,,,,\n")
    report = run_import(app, cid, changed)
    assert report.units_added == ["3-0101"]
    assert sorted(report.units_changed) == ["1-0102", "1-0201"]
    assert report.unit_changes == {"1-0201": ["area"], "1-0102": ["owners"]}
    assert report.units_removed == ["P-001"]
    assert report.owners_added == ["D"]
    assert report.owners_changed == ["B1"]
    assert report.owners_removed == ["C"]
    assert report.unchanged == 3
    snap = snapshot(app, cid)
    assert "C" not in snap["owners"] and "P" not in snap["buildings"]
    assert snap["units"]["1-0102"][5] == (("B1", 0, True), ("B2", 1, False))
    entries = import_entries(app)
    assert len(entries) == 2
    assert entries[1]["units_added"] == 1 and entries[1]["units_removed_list"] == ["P-001"]
    assert entries[1]["owners_changed_list"] == ["B1"]


def test_import_unit_moved_to_other_building_reported(app, factory):
    cid = factory.community(register=None)
    run_import(app, cid, HEADER + "1,A,80,delivered,X\n")
    report = run_import(app, cid, HEADER + "1,B,80,delivered,X\n")
    assert report.unit_changes == {"1": ["building"]}
    assert snapshot(app, cid)["buildings"] == ["B"]


def _claim(app, cid: int, unit_number: str, owner_ref: str, user_id: int) -> None:
    from govern.register.models import Owner, Unit

    with app.app_context():
        unit = db.session.scalar(select(Unit).where(Unit.community_id == cid, Unit.number == unit_number))
        owner = db.session.scalar(select(Owner).where(Owner.community_id == cid, Owner.ref == owner_ref))
        db.session.add(OwnerClaim(user_id=user_id, unit_id=unit.id, community_id=cid, owner_id=owner.id,
                                  phone="13800000000"))
        db.session.commit()


def test_import_removing_unit_with_registration_refused(app, factory):
    cid = factory.community()  # the factory's small register
    uid = factory.user("ann")
    _claim(app, cid, "301", "C", uid)
    before = snapshot(app, cid)
    errors = errors_of(app, cid, HEADER + "101,1,80.00,delivered,A\n")
    assert [(e.line, e.code, e.params["unit"]) for e in errors] == [(0, "unit_in_use", "301")]
    assert snapshot(app, cid) == before


def test_import_owner_with_account_left_register_kept_detached(app, factory):
    cid = factory.community(register=None)
    run_import(app, cid, HEADER + "1,1,80,delivered,A\n2,1,80,delivered,B\n")
    uid = factory.user("ann", community=cid, owner_ref="A")
    report = run_import(app, cid, HEADER + "1,1,80,delivered,B\n2,1,80,delivered,B\n")
    assert report.owners_removed == ["A"]
    snap = snapshot(app, cid)
    assert snap["owners"]["A"][5] == uid
    assert all(own[0] != "A" for u in snap["units"].values() for own in u[5])
    # Importing again does not report A as removed a second time.
    assert not run_import(app, cid, HEADER + "1,1,80,delivered,B\n2,1,80,delivered,B\n").changed_anything


def test_import_other_community_untouched(app, factory):
    other = factory.community(slug="other")
    before = snapshot(app, other)
    cid = factory.community(slug="mine", register=None)
    run_import(app, cid, HEADER + "101,1,99,delivered,A\n")
    assert snapshot(app, other)["units"] == before["units"]
    assert snapshot(app, other)["owners"] == before["owners"]


def test_error_messages_every_code_in_the_sources_has_a_template():
    import re
    from pathlib import Path

    import govern.core.register as core
    import govern.register.services as services

    pattern = re.compile(r'(?:_err|_line_error)\(\s*[\w.]+,\s*"(\w+)"|ValueError\("(\w+)"\)')
    found = set()
    for module in (core, services):
        for match in pattern.finditer(Path(module.__file__).read_text()):
            found.add(match.group(1) or match.group(2))
    ballot_only = {"unknown_unit", "unknown_choice"}
    assert len(found) > 20
    assert found - ballot_only <= set(_ERROR_MESSAGES), found - ballot_only - set(_ERROR_MESSAGES)


def test_register_format_doc_example_is_the_served_example(app, factory):
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "register-format.md").read_text()
    assert EXAMPLE_CSV in doc
    minimal = doc.split("only the five required columns:\n\n```csv\n", 1)[1].split("```", 1)[0]
    cid = factory.community(register=None)
    assert len(run_import(app, cid, minimal).units_added) == 4
