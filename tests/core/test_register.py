"""The register and ballots CSV formats: every bad line reported with its physical line number."""

from __future__ import annotations

from pathlib import Path

import pytest

from govern.core.register import (
    FrozenMap,
    UnitStatus,
    decode_text,
    format_area,
    parse_area,
    parse_ballots,
    parse_register,
)

DATA = Path(__file__).parent / "data"
HEADER = "unit,building,area,status,owners\n"


def codes(errors):
    return [(e.line, e.code) for e in errors]


@pytest.mark.parametrize(
    ("text", "hundredths"),
    [
        ("80", 8000),
        ("80.5", 8050),
        ("80.50", 8050),
        ("0.01", 1),
        (" 140.00 ", 14000),
        ("007.1", 710),
        ("123456789.99", 12345678999),
    ],
)
def test_parse_area_valid_text_exact_hundredths(text, hundredths):
    assert parse_area(text) == hundredths


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("80.123", "too_many_decimals"),
        ("80.", "bad_area"),
        (".5", "bad_area"),
        ("", "bad_area"),
        ("1e3", "bad_area"),
        ("1,000", "bad_area"),
        ("８０", "bad_area"),
        ("80 m2", "bad_area"),
        ("0", "area_not_positive"),
        ("0.00", "area_not_positive"),
        ("-5", "area_not_positive"),
        ("+5", "bad_area"),
        ("nan", "bad_area"),
    ],
)
def test_parse_area_bad_text_raises_code(text, code):
    with pytest.raises(ValueError) as info:
        parse_area(text)
    assert info.value.args[0] == code


@pytest.mark.parametrize(("h", "s"), [(200000, "2000.00"), (0, "0.00"), (5, "0.05"), (8050, "80.50"), (-5, "-0.05")])
def test_format_area_two_decimals_exact(h, s):
    assert format_area(h) == s


def test_format_area_float_raises_type_error():
    with pytest.raises(TypeError):
        format_area(80.5)


def test_parse_register_test_garden_fixture_no_errors():
    units, errors = parse_register((DATA / "test_garden_register.csv").read_text(encoding="utf-8"))
    assert errors == []
    assert len(units) == 21
    by_id = {u.unit: u for u in units}
    assert by_id["102"].area == 8000
    assert by_id["103"].area_source == "survey"
    assert by_id["201"].owners == ("B1", "B2")
    assert by_id["504"].status is UnitStatus.SOLD_UNDELIVERED and by_id["504"].owners == ("Q",)
    assert by_id["501"].owners == ()
    assert by_id["G-01"].counts is False
    assert dict(by_id["201"].extra) == {"owner_names": "李四;王五"}


def test_parse_register_optional_columns_absent_defaults():
    units, errors = parse_register(HEADER + "101,1,80,delivered,A\n")
    assert errors == []
    assert units[0].area_source == "register" and units[0].counts is True
    assert units[0].extra == {}


def test_parse_register_bom_crlf_and_blank_trailing_lines_accepted():
    units, errors = parse_register("\ufeff" + HEADER.replace("\n", "\r\n") + "101,1,80,delivered,A\r\n\r\n\r\n  \n")
    assert errors == [] and [u.unit for u in units] == ["101"]


def test_parse_register_header_case_and_spaces_ignored_and_column_order_free():
    units, errors = parse_register(" Owners ,UNIT,area,Status,building\nA;B,101,80,DELIVERED,1\n")
    assert errors == []
    assert units[0].owners == ("A", "B") and units[0].building == "1"


def test_parse_register_every_bad_line_reported_with_physical_line():
    text = (
        HEADER
        + "101,1,80.123,delivered,A\n"  # 2 too many decimals
        + "\n"  # 3 blank
        + "102,1,abc,delivered,A\n"  # 4 bad area
        + "103,1,80,sold,A\n"  # 5 unknown status
        + "104,1,80,delivered,\n"  # 6 empty owners
        + "105,1,80,delivered,A\n"  # 7 ok
        + "105,1,80,delivered,A\n"  # 8 duplicate
        + "106,1,0,delivered,A\n"  # 9 not positive
        + '"107\nx",1,80,delivered,A\n'  # 10-11 a quoted newline; ok (unit id with a newline)
        + "108,1,80,delivered\n"  # 12 wrong field count
        + "109,1,80,delivered,A+B\n"  # 13 bad owner id
        + "110,,80,delivered,A\n"  # 14 empty building
        + ",1,80,delivered,A\n"  # 15 empty unit
    )
    units, errors = parse_register(text)
    assert codes(errors) == [
        (2, "too_many_decimals"),
        (4, "bad_area"),
        (5, "unknown_status"),
        (6, "empty_owners"),
        (8, "duplicate_unit"),
        (9, "area_not_positive"),
        (12, "wrong_field_count"),
        (13, "bad_owner_id"),
        (14, "empty_building"),
        (15, "empty_unit"),
    ]
    assert [u.unit for u in units] == ["105", "107\nx"]
    dup = errors[4]
    assert dup.params == {"unit": "105", "first_line": 7}
    assert "line 7" in dup.message


def test_parse_register_one_line_with_several_problems_reports_each():
    _, errors = parse_register(HEADER.rstrip("\n") + ",area_source,counts\n101,1,x,weird,,guess,maybe\n")
    assert [e.code for e in errors] == ["bad_area", "unknown_status", "bad_area_source", "bad_counts"]
    assert {e.line for e in errors} == {2}


@pytest.mark.parametrize("status", ["unsold", "sold_undelivered"])
def test_parse_register_developer_unit_without_owners_accepted(status):
    units, errors = parse_register(HEADER + f"501,5,100,{status},\n")
    assert errors == [] and units[0].status.is_developer_held


def test_parse_register_developer_id_as_delivered_owner_rejected():
    _, errors = parse_register(HEADER + "101,1,80,delivered,DEVELOPER\n")
    assert codes(errors) == [(2, "bad_owner_id")]


def test_parse_register_owner_ids_stripped_deduplicated_fullwidth_separator_accepted():
    units, errors = parse_register(HEADER + "101,1,80,delivered, B ;A；A;\n")
    assert errors == [] and units[0].owners == ("A", "B")


def test_parse_register_missing_columns_each_reported_on_line_one():
    units, errors = parse_register("unit,area,owners\n101,80,A\n")
    assert units == []
    assert codes(errors) == [(1, "missing_column"), (1, "missing_column")]
    assert [e.params["column"] for e in errors] == ["building", "status"]


def test_parse_register_duplicate_column_rejected():
    _, errors = parse_register("unit,building,area,status,owners,unit\n")
    assert codes(errors) == [(1, "duplicate_column")]


@pytest.mark.parametrize("text", ["", "\ufeff", "\n\n", "  \n"])
def test_parse_register_empty_text_empty_file_error(text):
    assert codes(parse_register(text)[1]) == [(1, "empty_file")]


def test_parse_register_header_only_no_units_error():
    assert codes(parse_register(HEADER)[1]) == [(2, "no_units")]


def test_parse_register_extra_columns_kept_raw_and_records_hashable():
    units, errors = parse_register(HEADER.rstrip("\n") + ",owner_phones\n101,1,80,delivered,A, 138 0000 0000 \n")
    assert errors == []
    assert units[0].extra["owner_phones"] == " 138 0000 0000 "
    assert hash(units[0]) == hash(units[0])
    with pytest.raises(AttributeError):
        units[0].extra.foo = 1


def test_frozen_map_equal_to_dict_and_immutable():
    m = FrozenMap({"a": 1})
    assert m == {"a": 1} and len(m) == 1 and list(m) == ["a"]
    with pytest.raises(TypeError):
        m["a"] = 2  # type: ignore[index]


def test_line_error_params_frozen_and_hashable():
    _, errors = parse_register(HEADER + "101,1,x,delivered,A\n")
    assert hash(errors[0])
    assert errors[0].params["value"] == "x"


def test_decode_text_non_utf8_names_line_of_bad_byte():
    text, error = decode_text(HEADER.encode() + "101,1,80,delivered,张三\n".encode("gbk"))
    assert text is None
    assert (error.line, error.code) == (2, "bad_encoding")


def test_decode_text_utf8_bom_stripped():
    text, error = decode_text("\ufeff".encode() + HEADER.encode())
    assert error is None and text == HEADER


UNITS = {u.unit: u for u in parse_register(HEADER + "101,1,80,delivered,A\n102,1,80,delivered,B\n")[0]}


def test_parse_ballots_valid_lines_choice_lowercased():
    ballots, errors = parse_ballots("unit,choice\n101,Agree\n102, abstain \n", UNITS)
    assert errors == []
    assert [(b.line, b.unit, b.choice) for b in ballots] == [(2, "101", "agree"), (3, "102", "abstain")]


def test_parse_ballots_bad_lines_all_reported():
    text = "unit,choice\n999,agree\n101,yes\n\n,agree\n101\n"
    ballots, errors = parse_ballots(text, UNITS)
    assert ballots == []
    assert codes(errors) == [(2, "unknown_unit"), (3, "unknown_choice"), (5, "empty_unit"), (6, "wrong_field_count")]


def test_parse_ballots_without_units_skips_unknown_unit_check():
    ballots, errors = parse_ballots("unit,choice\n999,agree\n", None)
    assert errors == [] and ballots[0].unit == "999"


def test_parse_ballots_missing_choice_column_error():
    assert codes(parse_ballots("unit\n101\n", UNITS)[1]) == [(1, "missing_column")]


def test_parse_ballots_header_only_no_error():
    assert parse_ballots("unit,choice\n", UNITS) == ([], [])
