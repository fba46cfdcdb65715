"""Schemathesis against /api/v1/openapi.json (issue #15 item 4): every operation, generated inputs (valid and
invalid) with a fixed seed and a bounded number of examples, signed out, as an owner and as a committee member.
Fails on any 5xx and on any response that does not match the documented schema.

Runs once per CI run, in the PostgreSQL pass (like the bad-input corpus in tests/test_hostile_inputs.py).
"""

from __future__ import annotations

import pytest

from tests.conftest import ON_POSTGRES, TEST_PASSWORD

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is in the test extras (make install-test)")

from hypothesis import HealthCheck, given, seed, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.generation import GenerationMode  # noqa: E402
from schemathesis.specs.openapi.checks import response_schema_conformance  # noqa: E402

pytestmark = pytest.mark.skipif(
    not ON_POSTGRES, reason="Schemathesis runs once per CI run, in the PostgreSQL pass (set DATABASE_URL)"
)

MAX_EXAMPLES = 12


@pytest.mark.parametrize("who", [None, "a", "cm1"], ids=["anonymous", "owner", "committee"])
def test_api_has_no_5xx_and_matches_its_schema(app, factory, who):
    app.config["PROPAGATE_UNEXPECTED"] = False  # a 500 is a response the check sees, not an exception
    cid = factory.community()
    factory.user("a", community=cid, owner_ref="A")
    factory.user("c", community=cid, owner_ref="C")
    factory.user("cm1", roles=("committee_member",), community=cid)
    headers = {}
    if who:
        resp = app.test_client().post("/api/v1/tokens", json={"username": who, "password": TEST_PASSWORD})
        assert resp.status_code == 201, resp.get_json()
        headers = {"Authorization": f"Bearer {resp.get_json()['token']}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures, operations = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.method.upper() == "DELETE" and operation.path == "/tokens/current":
            continue  # would revoke the run's own token; tests/accounts cover it
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _run(operation, mode, headers)
            except Exception as exc:  # collected: one report for every operation
                failures.append(f"{operation.label} ({mode.value}): {str(exc)[:400]}")
    assert operations >= 10
    assert not failures, "\n".join(failures)


def _run(operation, mode, headers):
    @given(case=operation.as_strategy(generation_mode=mode))
    @seed(15)
    @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case):
        case.call_and_validate(headers=headers, checks=[not_a_server_error, response_schema_conformance])

    check()
