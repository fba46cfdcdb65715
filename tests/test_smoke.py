def test_home_anonymous_shows_chinese_landing(client):
    resp = client.get("/")
    assert resp.status_code == 200
    assert "登录" in resp.get_data(as_text=True) or "Log in" in resp.get_data(as_text=True)
