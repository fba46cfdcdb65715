"""Service-request photos through the JSON API (issue #15, item 7): filing with photos as multipart/form-data under
the page's limits and magic-byte checks, and reading a photo back with the request's visibility."""

from __future__ import annotations

import io

from tests.communication.test_api_service import _bearer, _error, _unit_id

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def _file(client, headers, unit_id, photos, **fields):
    data = {"community": "garden", "category": "repair", "subcategory": "leak", "description": "楼道灯坏了",
            "unit_id": str(unit_id), **fields,
            "photos": [(io.BytesIO(content), name) for name, content in photos]}
    return client.post("/api/v1/service-requests", headers=headers, data=data, content_type="multipart/form-data")


def test_file_with_photos_and_read_them_back(app, world):
    client = app.test_client()
    ann, bob, staff = _bearer(app, "ann"), _bearer(app, "bob1"), _bearer(app, "staff")
    unit = _unit_id(app, world, "ann", "101")
    resp = _file(client, ann, unit, [("leak.png", PNG), ("wall.jpg", JPEG)])
    assert resp.status_code == 201, resp.get_json()
    filed = resp.get_json()
    assert [(p["filename"], p["content_type"]) for p in filed["photos"]] == [("leak.png", "image/png"),
                                                                              ("wall.jpg", "image/jpeg")]
    photo = filed["photos"][0]["id"]
    url = f"/api/v1/service-requests/{filed['id']}/photos/{photo}"
    got = client.get(url, headers=ann)
    assert got.status_code == 200 and got.data == PNG and got.mimetype == "image/png"
    assert client.get(url, headers=staff).data == PNG
    assert client.get(url, headers=bob).status_code == 404  # not bob's request: not told it exists
    assert client.get(f"/api/v1/service-requests/{filed['id']}/photos/{photo + 99}", headers=ann).status_code == 404


def test_photo_limits_are_the_pages(app, world):
    client = app.test_client()
    ann = _bearer(app, "ann")
    unit = _unit_id(app, world, "ann", "101")
    fake = _file(client, ann, unit, [("leak.png", b"GIF89a" + b"\x00" * 16)])
    assert fake.status_code == 415 and _error(fake) == "bad_type"
    pdf = _file(client, ann, unit, [("leak.pdf", b"%PDF-1.4\n")])  # a PDF is no photo
    assert pdf.status_code == 415 and _error(pdf) == "bad_type"
    renamed = _file(client, ann, unit, [("leak.jpg", PNG)])  # extension and content must agree
    assert renamed.status_code == 415
    app.config["COMMUNICATION_MAX_UPLOAD_BYTES"] = 32
    big = _file(client, ann, unit, [("leak.png", PNG)])
    assert big.status_code == 413 and _error(big) == "too_large"
    app.config["COMMUNICATION_MAX_UPLOAD_BYTES"] = 1024 * 1024
    many = _file(client, ann, unit, [(f"p{i}.png", PNG) for i in range(7)])
    assert many.status_code == 400 and _error(many) == "invalid" and "photos" in many.get_json()["error"]["details"]
    bad_unit = _file(client, ann, "１０１", [])
    assert bad_unit.status_code == 400 and _error(bad_unit) == "bad_request"
    twice = client.post("/api/v1/service-requests", headers=ann, content_type="multipart/form-data",
                        data={"community": ["garden", "park"], "category": "repair"})
    assert twice.status_code == 400 and _error(twice) == "bad_request"
    assert client.get("/api/v1/service-requests", headers=ann).get_json() == {"requests": []}  # nothing was filed
