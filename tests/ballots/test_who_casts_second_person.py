"""A buyer who already was a voting person casts for both persons (SPC art. 9) from the ballot page: it links to
the second person's ballot, whose signing context names that person (issue #13 item 1)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from html import unescape

from tests.ballots.test_who_casts import _cast, _import, _valid_record
from tests.ballots.test_who_casts import world as world  # noqa: F401  (the fixture)
from tests.factories import SMALL_REGISTER
from tests.meetings.helpers import OPENS


def _context(html: str) -> dict:
    return json.loads(unescape(re.search(r'<script type="application/json" id="ballot-context">(.*?)</script>',
                                         html, re.S).group(1)))


def test_the_ballot_page_offers_the_buyers_second_person(app, client, world):
    mid = world.make_meeting()
    a, c = world.person_of(mid, "A"), world.person_of(mid, "C")
    world.login(client, "C")
    assert 'class="other-person"' not in client.get(f"/meetings/{mid}/ballot").get_data(as_text=True)
    _import(world, SMALL_REGISTER.replace("301,3,100.00,delivered,C,C=赵六,", "301,3,100.00,delivered,A,,"))
    world.clock.set(OPENS + timedelta(hours=1))
    world.login(client, "A")
    page = client.get(f"/meetings/{mid}/ballot").get_data(as_text=True)
    assert _context(page)["voter"] == a
    link = f"/meetings/{mid}/ballot?person={c}"
    assert f'href="{link}"' in page and "301</a>" in page
    second = client.get(link).get_data(as_text=True)
    assert _context(second)["voter"] == c and "301" in second
    assert f"?person={a}" in second  # and back to the first
    # a person id that is not the caller's falls back to their first person
    assert _context(client.get(f"/meetings/{mid}/ballot?person=p-nobody").get_data(as_text=True))["voter"] == a
    assert _cast(world, client, mid, "A", voter=a).status_code == 201
    assert _cast(world, client, mid, "A", "oppose", voter=c).status_code == 201
    assert _valid_record(world, client, mid).counted == 2
