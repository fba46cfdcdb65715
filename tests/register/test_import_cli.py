"""``govern import-register COMMUNITY FILE.csv``: exit codes, output, nothing written on bad input."""

from __future__ import annotations

from tests.register.helpers import GOOD, HEADER, import_entries, snapshot


def write(tmp_path, text: str | bytes, name: str = "reg.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def test_cli_good_file_exit_0_prints_summary(app, runner, factory, tmp_path):
    cid = factory.community(register=None)
    result = runner.invoke(args=["import-register", "garden", str(write(tmp_path, GOOD))])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        "units: 6 added, 0 changed, 0 removed, 0 unchanged; owners: 5 added, 0 changed, 0 removed")
    assert len(snapshot(app, cid)["units"]) == 6
    assert import_entries(app)[-1]["source"] == "cli:reg.csv"


def test_cli_same_file_twice_reports_nothing_no_second_audit(app, runner, factory, tmp_path):
    factory.community(register=None)
    path = str(write(tmp_path, GOOD))
    runner.invoke(args=["import-register", "garden", path])
    result = runner.invoke(args=["import-register", "garden", path])
    assert result.exit_code == 0
    assert "units: 0 added, 0 changed, 0 removed, 6 unchanged" in result.stdout
    assert len(import_entries(app)) == 1


def test_cli_bad_lines_exit_2_one_line_each_nothing_written(app, runner, factory, tmp_path):
    cid = factory.community()
    before = snapshot(app, cid)
    path = write(tmp_path, HEADER + "1,1,80,delivered,A\n2,1,0,delivered,B\n3,1,80,gone,C\n")
    result = runner.invoke(args=["import-register", "garden", str(path)])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"{path}:3: Unit 2: the area “0” must be greater than zero.",
        f"{path}:4: Unit 3: the status “gone” is not one of delivered, unsold, sold_undelivered.",
    ]
    assert result.stdout == ""
    assert snapshot(app, cid) == before


def test_cli_bad_lines_in_chinese_with_lang(app, runner, factory, tmp_path):
    factory.community()
    path = write(tmp_path, HEADER + "2,1,0,delivered,B\n")
    result = runner.invoke(args=["import-register", "--lang", "zh_CN", "garden", str(path)])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"{path}:2: 房屋 2：面积“0”必须大于零。"


def test_cli_non_utf8_file_exit_2(app, runner, factory, tmp_path):
    factory.community()
    path = write(tmp_path, (HEADER + "1,1,80,delivered,张三\n").encode("gbk"))
    result = runner.invoke(args=["import-register", "garden", str(path)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{path}:2: The file is not UTF-8 text")


def test_cli_unknown_community_exit_2_one_line(runner, factory, tmp_path):
    factory.community()
    result = runner.invoke(args=["import-register", "nowhere", str(write(tmp_path, GOOD))])
    assert result.exit_code == 2
    assert result.stderr == "error: no community with the slug 'nowhere'\n"
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_cli_missing_file_exit_2_one_line(runner, factory, tmp_path):
    factory.community()
    result = runner.invoke(args=["import-register", "garden", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2
    assert result.stderr == f"error: cannot read {tmp_path / 'nope.csv'}: No such file or directory\n"


def test_cli_directory_exit_2_one_line(runner, factory, tmp_path):
    factory.community()
    result = runner.invoke(args=["import-register", "garden", str(tmp_path)])
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("error: cannot read")


def test_cli_dry_run_writes_nothing(app, runner, factory, tmp_path):
    cid = factory.community(register=None)
    result = runner.invoke(args=["import-register", "--dry-run", "garden", str(write(tmp_path, GOOD))])
    assert result.exit_code == 0
    assert result.stdout.startswith("dry run, nothing written: units: 6 added")
    assert snapshot(app, cid)["units"] == {}
    assert import_entries(app) == []


def test_cli_unit_in_use_exit_2_without_line_number(app, runner, factory, tmp_path):
    from tests.register.test_import_service import _claim

    cid = factory.community()
    _claim(app, cid, "101", "A", factory.user("ann"))
    path = write(tmp_path, HEADER + "999,9,80,delivered,Z\n")
    result = runner.invoke(args=["import-register", "garden", str(path)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{path}: Unit 101 is not in the file, but an owner registered with it")
