"""Chinese by default, English on request, and every catalog fully translated."""

from __future__ import annotations

import subprocess
import sys

from govern import ROOT


def test_home_default_language_is_chinese(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page
    assert "业主共同决定" in page


def test_lang_parameter_switches_to_english_and_sticks(client):
    assert "Owners decide together" in client.get("/?lang=en").get_data(as_text=True)
    assert "Owners decide together" in client.get("/").get_data(as_text=True)
    assert "业主共同决定" in client.get("/?lang=zh_CN").get_data(as_text=True)


def test_error_page_in_user_language(client):
    resp = client.get("/no/such/page")
    assert resp.status_code == 404
    assert "您访问的页面不存在" in resp.get_data(as_text=True)
    assert "does not exist" in client.get("/no/such/page?lang=en").get_data(as_text=True)


def test_api_errors_are_json(client):
    resp = client.get("/api/v1/no-such-endpoint")
    assert resp.status_code == 404
    assert resp.get_json()["error"]["code"] == "not_found"


def test_catalogs_have_no_untranslated_entries():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "catalogs.py"), "check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_security_headers_on_pages(client):
    resp = client.get("/")
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]


def test_oversized_upload_states_limit_in_chinese(make_app):
    app = make_app(MAX_CONTENT_LENGTH=1024 * 1024)
    resp = app.test_client().post("/login", data={"username": "x" * (2 * 1024 * 1024)})
    assert resp.status_code == 413
    assert "上限为 1 MB" in resp.get_data(as_text=True)
