"""The admin's import page, the register index and the unit page: access, languages, reports, limits."""

from __future__ import annotations

import io

import pytest

from tests.register.helpers import GOOD, HEADER, import_entries, snapshot


def upload(client, data: bytes | str, *, filename: str = "register.csv", button: str = "submit", query: str = ""):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return client.post(f"/c/garden/register/import{query}", data={"file": (io.BytesIO(data), filename), button: "1"},
                       content_type="multipart/form-data")


@pytest.fixture
def admin(factory, auth):
    cid = factory.community()
    factory.user("root", roles=("admin",))
    auth.login("root")
    return cid


@pytest.mark.parametrize("role", ["committee_member", "committee_chair", "owner", "auditor", "observer"])
def test_import_page_non_admin_forbidden(factory, auth, client, role):
    cid = factory.community()
    factory.user("u", roles=(role,), community=cid)
    auth.login("u")
    assert client.get("/c/garden/register/import").status_code == 403
    assert upload(client, GOOD).status_code == 403
    assert client.get("/c/garden/register/import/example.csv").status_code == 403


def test_import_page_anonymous_redirected_to_login(factory, client):
    factory.community()
    resp = client.get("/c/garden/register/import")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    assert upload(client, GOOD).status_code == 302


def test_import_page_unknown_community_not_found(admin, client):
    assert client.get("/c/nowhere/register/import").status_code == 404


def test_import_page_get_shows_form_in_chinese(admin, client):
    html = client.get("/c/garden/register/import").get_data(as_text=True)
    assert "导入登记册" in html
    assert 'type="file"' in html and 'accept=".csv,text/csv"' in html
    assert '<label for="file">登记册文件（CSV，UTF-8 编码）</label>' in html
    assert "下载示例文件" in html


def test_import_page_good_file_imports_and_reports(admin, app, client):
    resp = upload(client, GOOD)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "登记册已导入。" in html and "已导入 register.csv" in html
    snap = snapshot(app, admin)
    assert sorted(snap["units"]) == ["1-0101", "1-0102", "1-0201", "2-0101", "2-0102", "P-001"]
    entries = import_entries(app)
    assert entries[-1]["source"] == "upload:register.csv" and entries[-1]["units_added"] == 6


def test_import_page_preview_changes_nothing(admin, app, client):
    before = snapshot(app, admin)
    resp = upload(client, GOOD, button="preview")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "预览：尚未保存任何内容" in html
    assert snapshot(app, admin) == before


def test_import_page_same_file_twice_reports_no_change(admin, app, client):
    upload(client, GOOD)
    audits = snapshot(app, admin)["audits"]
    html = upload(client, GOOD).get_data(as_text=True)
    assert "文件与现有登记册一致" in html
    assert snapshot(app, admin)["audits"] == audits


def test_import_page_bad_lines_table_in_chinese_by_default(admin, app, client):
    before = snapshot(app, admin)
    resp = upload(client, HEADER + "1,1,80.123,delivered,A\n2,1,80,sold,B\n")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "2 处问题" in html and "未导入任何内容" in html
    assert '<td class="num">2</td><td>房屋 1：面积“80.123”的小数超过两位。</td>' in html
    assert "房屋 2：状态“sold”无效" in html
    assert snapshot(app, admin) == before


def test_import_page_bad_lines_in_english_with_lang_en(admin, app, client):
    resp = upload(client, HEADER + "1,1,80.123,delivered,A\n", query="?lang=en")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "1 problem in register.csv: nothing was imported" in html
    assert "Unit 1: the area “80.123” has more than two decimals." in html


def test_import_page_non_utf8_file_clear_error(admin, app, client):
    before = snapshot(app, admin)
    html = upload(client, (HEADER + "1,1,80,delivered,张三\n").encode("gbk")).get_data(as_text=True)
    assert "文件不是 UTF-8 编码" in html
    assert snapshot(app, admin) == before


def test_import_page_unit_in_use_shown_without_line(admin, app, client, factory):
    from tests.register.test_import_service import _claim

    _claim(app, admin, "101", "A", factory.user("ann"))
    html = upload(client, HEADER + "999,9,80,delivered,Z\n").get_data(as_text=True)
    assert "房屋 101 不在文件中，但已有业主凭该房屋注册" in html
    assert '<td class="num">—</td>' in html


def test_import_page_wrong_extension_refused(admin, app, client):
    resp = upload(client, GOOD, filename="register.xlsx")
    assert resp.status_code == 400
    assert "文件必须是 .csv 格式。" in resp.get_data(as_text=True)


def test_import_page_no_file_refused(admin, client):
    resp = client.post("/c/garden/register/import", data={"submit": "1"}, content_type="multipart/form-data")
    assert resp.status_code == 400
    assert "请选择一个 CSV 文件。" in resp.get_data(as_text=True)


def test_import_page_oversized_upload_clear_error(make_app):
    from tests.conftest import AuthActions
    from tests.factories import Factory

    app = make_app(REGISTER_MAX_BYTES=1024)
    factory = Factory(app)
    cid = factory.community()
    factory.user("root", roles=("admin",))
    client = app.test_client()
    AuthActions(client).login("root")
    before = snapshot(app, cid)
    resp = upload(client, HEADER + "1,1,80,delivered,A\n" * 100)
    assert resp.status_code == 400
    assert "文件超过 1 KB" in resp.get_data(as_text=True)
    assert snapshot(app, cid) == before


def test_import_page_over_max_content_length_413_page(make_app):
    from tests.conftest import AuthActions
    from tests.factories import Factory

    app = make_app(MAX_CONTENT_LENGTH=2048)
    factory = Factory(app)
    factory.community()
    factory.user("root", roles=("admin",))
    client = app.test_client()
    AuthActions(client).login("root")
    resp = upload(client, "x" * 5000)
    assert resp.status_code == 413
    assert "上传的文件过大，上限为 2 KB。" in resp.get_data(as_text=True)


def test_import_page_without_csrf_token_refused(make_app):
    import re

    from tests.conftest import TEST_PASSWORD
    from tests.factories import Factory

    app = make_app(WTF_CSRF_ENABLED=True)
    factory = Factory(app)
    cid = factory.community()
    factory.user("root", roles=("admin",))
    client = app.test_client()
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"username": "root", "password": TEST_PASSWORD, "csrf_token": token})
    before = snapshot(app, cid)
    resp = upload(client, GOOD)
    assert resp.status_code == 400
    assert "表单已过期" in resp.get_data(as_text=True)
    assert snapshot(app, cid) == before
    resp = client.post("/c/garden/register/import", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(GOOD.encode()), "r.csv"), "submit": "1", "csrf_token": token})
    assert resp.status_code == 200
    assert snapshot(app, cid) != before


def test_example_csv_downloadable_with_bom(admin, client):
    resp = client.get("/c/garden/register/import/example.csv")
    assert resp.status_code == 200
    assert resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    assert resp.data.startswith("\ufeff".encode()) and b"owner_names" in resp.data


def test_register_index_admin_sees_import_link_and_building_totals(admin, client):
    html = client.get("/c/garden/register").get_data(as_text=True)
    assert "/c/garden/register/import" in html
    assert "按楼栋统计" in html
    # Building 1 of the factory register: 101, 102 (80 m² each) and 103 (140 m²).
    assert ('<th scope="row"><a href="/c/garden/register?building=1">1</a></th><td class="num">3</td>'
            '<td class="num">300.00</td>') in html
    assert '<a href="/c/garden/register/units/101">101</a>' in html


def test_register_index_committee_has_no_import_link(factory, auth, client):
    cid = factory.community()
    factory.user("chair", roles=("committee_chair",), community=cid)
    auth.login("chair")
    resp = client.get("/c/garden/register")
    assert resp.status_code == 200
    assert "/register/import" not in resp.get_data(as_text=True)


def test_unit_page_shows_masked_owners_voter_and_source(factory, auth, client):
    cid = factory.community(register=GOOD)
    factory.user("chair", roles=("committee_chair",), community=cid)
    auth.login("chair")
    html = client.get("/c/garden/register/units/1-0102").get_data(as_text=True)
    assert "李*" in html and "王*" in html and "李四" not in html
    assert "测绘报告" in html and "120.25" in html
    assert html.count("负责投票") == 1 and "共有房屋只投一票" in html
    assert "13800000002" not in html


def test_unit_page_english_and_developer_hint(factory, auth, client):
    cid = factory.community(register=GOOD)
    factory.user("chair", roles=("committee_chair",), community=cid)
    auth.login("chair")
    html = client.get("/c/garden/register/units/2-0101?lang=en").get_data(as_text=True)
    assert "Unsold (developer)" in html and "its vote belongs to the developer" in html
    assert "No owner is registered for this unit." in html


def test_unit_page_unknown_unit_not_found(admin, client):
    assert client.get("/c/garden/register/units/nope").status_code == 404


def test_unit_page_owner_forbidden(factory, auth, client):
    cid = factory.community()
    factory.user("ann", roles=("owner",), community=cid)
    auth.login("ann")
    assert client.get("/c/garden/register/units/101").status_code == 403
