"""Authorisation matrix: every role × every endpoint of the app → allowed, login, 403 or 404.

The expectations live in ONE table, ``MATRIX``, keyed by ``(endpoint, method)``. The coverage test
walks ``app.url_map``: an endpoint (or a method of it) without a row FAILS, so whoever adds a view
adds its row here, and a sample value for any new URL argument in ``build_world``.

Outcomes
  ok    allowed: 2xx/3xx (not to the login page); a POST/PUT/PATCH/DELETE may also answer 400/409,
        the point being that it got past the access check; a GET may answer 409 when the object's state
        refuses it to everybody (the record and the paper scans while the sample meeting's votes are counted)
  login anonymous: 302 to the login page (pages) or 401 JSON (API)
  403   forbidden (the caller is known but lacks the right)
  404   the object is not the caller's (and its existence is not disclosed)
A denied request (login/403/404) must also change nothing in the database.

Pages are requested with the browser session; /api/ endpoints with the role's bearer token.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from flask import url_for
from sqlalchemy import func, select

from govern.extensions import db

#: Column order of every row. Privileged roles come last, because allowed POSTs may change state
#: (confirm a claim, revoke a grant) and the denied checks of the others should see the world first.
ROLES = (
    "anonymous",
    "pending",  # registered with a claim code, not yet confirmed
    "owner",  # confirmed owner of garden
    "other_owner",  # confirmed owner of ANOTHER community (park)
    "property_staff",
    "auditor",
    "observer",
    "committee_member",
    "committee_chair",
    "admin",
)

o, L, F, N = "ok", "login", "403", "404"

#                  anon pend own  oth  staff aud  obs  memb chair admin
PUBLIC = (o, o, o, o, o, o, o, o, o, o)
LOGGED_IN = (L, o, o, o, o, o, o, o, o, o)
MEMBERS = (L, o, o, F, o, o, o, o, o, o)
REGISTER_READERS = (L, F, F, F, F, o, o, o, o, o)
AUDIT_READERS = (L, F, F, F, F, o, o, F, F, o)
COMMITTEE = (L, F, F, F, F, F, F, o, o, o)
ADMIN = (L, F, F, F, F, F, F, F, F, o)
#: Accounts offered a TOTP second factor (the committee, the property company, the street office, admins).
TOTP_HOLDERS = (L, F, F, F, o, o, F, o, o, o)
#: The second sign-in step answers only a password sign-in waiting for its TOTP code: anyone else is sent
#: back to the login page.
PENDING_SECOND_FACTOR = (L, L, L, L, L, L, L, L, L, L)
#: The object belongs to the confirmed owner: anyone else gets 404.
OWNERS_OWN = (L, N, o, N, N, N, N, N, N, N)

MATRIX: dict[tuple[str, str], tuple[str, ...]] = {
    ("static", "GET"): PUBLIC,
    # home
    ("home.index", "GET"): PUBLIC,
    ("home.community", "GET"): MEMBERS,
    # accounts: pages
    ("accounts.login", "GET"): PUBLIC,
    ("accounts.login", "POST"): PUBLIC,
    ("accounts.logout", "POST"): PUBLIC,
    ("accounts.login_totp", "GET"): PENDING_SECOND_FACTOR,
    ("accounts.login_totp", "POST"): PENDING_SECOND_FACTOR,
    ("accounts.login_code", "GET"): PUBLIC,
    ("accounts.login_code", "POST"): PUBLIC,
    ("accounts.forgot", "GET"): PUBLIC,
    ("accounts.forgot", "POST"): PUBLIC,
    ("accounts.totp", "GET"): TOTP_HOLDERS,
    ("accounts.totp", "POST"): TOTP_HOLDERS,
    ("accounts.totp_disable", "POST"): LOGGED_IN,
    ("accounts.accounts_admin", "GET"): ADMIN,
    ("accounts.block_account", "POST"): ADMIN,
    ("accounts.remove_account_totp", "POST"): ADMIN,
    ("accounts.register", "GET"): PUBLIC,
    ("accounts.register", "POST"): PUBLIC,
    ("accounts.profile", "GET"): LOGGED_IN,
    ("accounts.change_password", "POST"): LOGGED_IN,
    ("accounts.change_language", "POST"): LOGGED_IN,
    ("accounts.revoke_token", "POST"): OWNERS_OWN,
    ("accounts.roles", "GET"): ADMIN,
    ("accounts.roles", "POST"): ADMIN,
    ("accounts.revoke_role", "POST"): ADMIN,
    ("accounts.claims", "GET"): COMMITTEE,
    ("accounts.confirm_claim", "POST"): COMMITTEE,
    ("accounts.reject_claim", "POST"): COMMITTEE,
    ("accounts.claim_sheets", "GET"): COMMITTEE,
    ("accounts.claim_sheets", "POST"): COMMITTEE,
    ("accounts.claim_sheet", "GET"): COMMITTEE,
    # accounts: API
    ("accounts_api.create_token", "POST"): PUBLIC,
    ("accounts_api.request_otp", "POST"): PUBLIC,
    ("accounts_api.password_reset", "POST"): PUBLIC,
    ("accounts_api.me", "GET"): LOGGED_IN,
    ("accounts_api.revoke_current_token", "DELETE"): LOGGED_IN,
    # register
    ("register.index", "GET"): REGISTER_READERS,
    ("register.unit", "GET"): REGISTER_READERS,
    ("register.import_page", "GET"): ADMIN,
    ("register.import_page", "POST"): ADMIN,
    ("register.example", "GET"): ADMIN,
    # audit
    ("audit.index", "GET"): AUDIT_READERS,
    # platform admin
    ("admin.communities", "GET"): ADMIN,
    ("admin.communities", "POST"): ADMIN,
    # meetings: pages (the sample meeting is garden's, open, with one ballot by "owner")
    ("meetings.stylesheet", "GET"): PUBLIC,
    ("meetings.index", "GET"): MEMBERS,
    ("meetings.create", "GET"): (L, F, F, F, F, o, F, o, o, F),
    ("meetings.create", "POST"): (L, F, F, F, F, o, F, o, o, F),
    ("meetings.edit", "GET"): (L, F, F, N, F, o, F, o, o, F),
    ("meetings.edit", "POST"): (L, F, F, N, F, o, F, o, o, F),
    ("meetings.publish", "POST"): (L, F, F, N, F, o, F, o, o, F),
    ("meetings.show", "GET"): (L, o, o, N, o, o, o, o, o, o),
    ("meetings.motion_file", "GET"): (L, o, o, N, o, o, o, o, o, o),
    ("meetings.extend", "GET"): (L, F, F, N, F, o, F, o, o, F),
    ("meetings.extend", "POST"): (L, F, F, N, F, o, F, o, o, F),
    ("meetings.ballot", "GET"): (L, F, o, N, F, F, F, F, F, F),
    ("meetings.keys", "GET"): LOGGED_IN,
    ("meetings.check_receipt", "GET"): PUBLIC,
    ("meetings.result", "GET"): (L, o, o, N, o, o, o, o, o, o),
    ("meetings.roll", "GET"): (L, F, o, N, F, F, F, o, o, F),
    ("meetings.voided_rolls_page", "GET"): (L, F, F, N, F, o, F, o, o, F),
    ("meetings.file_objection", "POST"): (L, F, o, N, F, F, F, F, F, F),
    ("meetings.answer_objection", "POST"): (L, F, F, N, F, F, F, o, o, F),
    ("meetings.developer_representative", "POST"): (L, F, F, N, F, F, F, o, o, F),
    # meetings: API
    ("meetings_api.server_key", "GET"): PUBLIC,
    ("meetings_api.enroll_key", "POST"): LOGGED_IN,
    ("meetings_api.list_keys", "GET"): LOGGED_IN,
    ("meetings_api.list_meetings", "GET"): LOGGED_IN,
    ("meetings_api.get_meeting", "GET"): (L, o, o, N, o, o, o, o, o, o),
    ("meetings_api.agenda", "GET"): (L, o, o, N, o, o, o, o, o, o),
    ("meetings_api.me", "GET"): (L, F, o, N, F, F, F, F, F, F),
    ("meetings_api.cast", "POST"): (L, o, o, N, o, o, o, o, o, o),
    ("meetings_api.receipt", "GET"): PUBLIC,
    ("meetings_api.results", "GET"): (L, o, o, N, o, o, o, o, o, o),
    ("meetings_api.countersign", "POST"): (L, F, F, N, F, F, F, o, o, F),
    ("meetings_api.extend", "POST"): (L, F, F, N, F, o, F, o, o, F),
    ("meetings_api.roll_objections", "GET"): (L, F, o, N, F, F, F, o, o, F),
    ("meetings_api.file_roll_objection", "POST"): (L, F, o, N, F, F, F, F, F, F),
    ("meetings_api.answer_roll_objection", "POST"): (L, F, F, N, F, F, F, o, o, F),
    # agenda: pages (the sample proposal is garden's, by "owner", in committee review)
    ("agenda.index", "GET"): MEMBERS,
    ("agenda.new", "GET"): (L, F, o, F, o, F, F, F, F, F),
    ("agenda.new", "POST"): (L, F, o, F, o, F, F, F, F, F),
    ("agenda.detail", "GET"): MEMBERS,
    ("agenda.edit", "GET"): (L, F, o, F, F, F, F, F, F, F),
    ("agenda.edit", "POST"): (L, F, o, F, F, F, F, F, F, F),
    ("agenda.upload", "POST"): (L, F, o, F, F, F, F, F, F, F),
    ("agenda.attachment", "GET"): MEMBERS,
    ("agenda.open_", "POST"): (L, F, o, F, F, F, F, F, F, F),
    ("agenda.withdraw", "POST"): (L, F, o, F, F, F, F, F, F, F),
    ("agenda.cosign", "POST"): (L, F, o, F, F, F, F, F, F, F),
    ("agenda.review", "POST"): (L, F, F, F, F, F, F, o, o, F),
    ("agenda.comment", "POST"): (L, F, o, F, o, o, F, o, o, F),
    ("agenda.edit_comment", "GET"): (L, F, o, F, F, F, F, F, F, F),
    ("agenda.edit_comment", "POST"): (L, F, o, F, F, F, F, F, F, F),
    ("agenda.history", "GET"): MEMBERS,
    ("agenda.report", "POST"): (L, F, o, F, o, o, F, o, o, F),
    ("agenda.hide", "POST"): (L, F, F, F, F, F, F, o, o, F),
    ("agenda.queue", "GET"): (L, F, F, F, F, o, F, o, o, o),
    ("agenda.overdue", "GET"): (L, F, F, F, F, o, o, o, o, o),
    ("agenda.notifications_page", "GET"): LOGGED_IN,
    ("agenda.notifications_read", "POST"): LOGGED_IN,
    # agenda: API
    ("agenda_api.list_proposals", "GET"): LOGGED_IN,
    ("agenda_api.create_proposal", "POST"): LOGGED_IN,
    ("agenda_api.get_proposal", "GET"): (L, o, o, N, o, o, o, o, o, o),
    ("agenda_api.cosign", "POST"): (L, F, o, N, F, F, F, F, F, F),
    ("agenda_api.review", "POST"): (L, F, F, N, F, F, F, o, o, F),
    ("agenda_api.list_comments", "GET"): (L, o, o, N, o, o, o, o, o, o),
    ("agenda_api.post_comment", "POST"): (L, F, o, N, o, o, F, o, o, F),
    ("agenda_api.openapi", "GET"): PUBLIC,
    # communication (the sample notice, request and open survey are garden's; the request is "owner"'s)
    ("notices.index", "GET"): MEMBERS,
    ("notices.new", "GET"): (L, F, F, F, o, F, F, o, o, o),
    ("notices.new", "POST"): (L, F, F, F, o, F, F, o, o, o),
    ("notices.show", "GET"): MEMBERS,
    ("notices.viewed", "POST"): MEMBERS,
    ("notices.acknowledge", "POST"): (L, F, o, F, F, F, F, F, F, F),
    ("notices.receipts", "GET"): (L, F, F, F, o, o, o, o, o, o),
    ("notices.remind", "POST"): (L, F, F, F, o, F, F, o, o, o),
    ("notices.print_notice", "GET"): MEMBERS,
    ("notices.attachment", "GET"): MEMBERS,
    ("delivery.preferences", "GET"): MEMBERS,
    ("delivery.preferences", "POST"): MEMBERS,
    ("delivery.inbox", "GET"): MEMBERS,
    ("delivery.sms_outbox", "GET"): ADMIN,
    ("delivery.meeting_reminders", "GET"): (L, F, F, F, F, F, F, o, o, o),
    ("delivery.meeting_reminders", "POST"): (L, F, F, F, F, F, F, o, o, o),
    ("service.index", "GET"): (L, F, o, F, o, o, o, o, o, o),
    ("service.new", "GET"): (L, F, o, F, F, F, F, F, F, F),
    ("service.new", "POST"): (L, F, o, F, F, F, F, F, F, F),
    ("service.show", "GET"): (L, F, o, F, o, o, o, o, o, o),
    ("service.acknowledge", "POST"): (L, F, F, F, o, F, F, F, F, o),
    ("service.assign", "POST"): (L, F, F, F, o, F, F, F, F, o),
    ("service.resolve", "POST"): (L, F, F, F, o, F, F, F, F, o),
    ("service.confirm", "POST"): (L, F, o, F, F, F, F, F, F, F),
    ("service.reopen", "POST"): (L, F, o, F, F, F, F, F, F, F),
    ("service.photo", "GET"): (L, F, o, F, o, o, o, o, o, o),
    # notices and service requests: API (the same samples; a notice is readable by its community's members, a
    # request by its filer and those who oversee the community, else 404)
    ("notices_api.list_notices", "GET"): LOGGED_IN,
    ("notices_api.get_notice", "GET"): (L, o, o, N, o, o, o, o, o, o),
    ("notices_api.notice_viewed", "POST"): (L, o, o, N, o, o, o, o, o, o),
    ("notices_api.acknowledge_notice", "POST"): (L, F, o, N, F, F, F, F, F, F),
    ("service_api.list_requests", "GET"): LOGGED_IN,
    ("service_api.file_request", "POST"): LOGGED_IN,
    ("service_api.get_request", "GET"): (L, N, o, N, o, o, o, o, o, o),
    ("service_api.acknowledge", "POST"): (L, N, F, N, o, F, F, F, F, o),
    ("service_api.assign", "POST"): (L, N, F, N, o, F, F, F, F, o),
    ("service_api.resolve", "POST"): (L, N, F, N, o, F, F, F, F, o),
    ("service_api.confirm", "POST"): (L, N, o, N, F, F, F, F, F, F),
    ("service_api.reopen", "POST"): (L, N, o, N, F, F, F, F, F, F),
    ("surveys_api.list_surveys", "GET"): LOGGED_IN,
    ("surveys_api.get_survey", "GET"): (L, o, o, N, o, o, o, o, o, o),
    ("surveys_api.respond", "POST"): (L, F, o, N, F, F, F, F, F, F),
    ("surveys.index", "GET"): MEMBERS,
    ("surveys.create", "POST"): (L, F, F, F, F, F, F, o, o, o),
    ("surveys.edit", "GET"): (L, F, F, F, F, F, F, o, o, o),
    ("surveys.edit", "POST"): (L, F, F, F, F, F, F, o, o, o),
    ("surveys.open_", "POST"): (L, F, F, F, F, F, F, o, o, o),
    ("surveys.close", "POST"): (L, F, F, F, F, F, F, o, o, o),
    ("surveys.show", "GET"): MEMBERS,
    ("surveys.respond", "POST"): (L, F, o, F, F, F, F, F, F, F),
    ("surveys.results", "GET"): MEMBERS,
    ("metrics.dashboard", "GET"): (L, F, F, F, o, o, o, o, o, o),
    ("metrics.export_csv", "GET"): (L, F, F, F, o, o, o, o, o, o),
    ("metrics.district", "GET"): (L, F, F, F, F, o, o, F, F, o),
    ("metrics_api.community_metrics", "GET"): (L, F, F, F, o, o, o, o, o, o),
    # minutes and PDFs (samples from tests/minutes/helpers.py: a closed assembly with published minutes, a
    # published committee meeting, a failed rendering)
    ("pdf.retry", "POST"): (L, N, F, N, F, F, F, o, o, o),
    ("minutes.committee_list", "GET"): MEMBERS,
    ("minutes.committee_meeting", "GET"): MEMBERS,
    ("minutes.committee_minutes_pdf", "GET"): MEMBERS,
    ("minutes.committee_new", "GET"): (L, F, F, F, F, F, F, o, o, F),
    ("minutes.committee_new", "POST"): (L, F, F, F, F, F, F, o, o, F),
    ("minutes.committee_edit", "GET"): (L, F, F, F, F, F, F, o, o, F),
    ("minutes.committee_edit", "POST"): (L, F, F, F, F, F, F, o, o, F),
    ("minutes.committee_publish_agenda", "POST"): (L, F, F, F, F, F, F, o, o, F),
    ("minutes.committee_attendance", "POST"): (L, F, F, F, F, F, F, o, o, F),
    ("minutes.committee_decide", "POST"): (L, F, F, F, F, F, F, o, o, F),
    ("minutes.committee_close", "POST"): (L, F, F, F, F, F, F, o, o, F),
    ("minutes.committee_sign", "POST"): (L, F, F, F, F, F, F, o, o, F),
    ("minutes.committee_publish", "POST"): (L, F, F, F, F, F, F, o, o, F),
    ("minutes.assembly", "GET"): (L, o, o, N, o, o, o, o, o, o),
    ("minutes.assembly_save", "POST"): (L, F, F, N, F, F, F, o, o, F),
    ("minutes.assembly_approve", "POST"): (L, F, F, N, F, F, F, o, o, F),
    ("minutes.assembly_publish", "POST"): (L, F, F, N, F, F, F, o, o, F),
    ("minutes.assembly_pdf", "GET"): (L, o, o, N, o, o, o, o, o, o),
    ("minutes.notice_pdf", "GET"): (L, o, o, N, o, o, o, o, o, o),
    ("minutes.result_pdf", "GET"): (L, o, o, N, o, o, o, o, o, o),
    # elections (#14): the sample is a draft election with the garden owner nominated
    ("elections.show", "GET"): (L, o, o, N, o, o, o, o, o, o),
    ("elections.photo", "GET"): (L, o, o, N, o, o, o, o, o, o),
    ("elections.filing_pdf", "GET"): (L, o, o, N, o, o, o, o, o, o),
    ("elections.nominate", "POST"): (L, F, o, N, F, F, F, o, o, F),
    ("elections.accept", "POST"): (L, F, o, N, F, F, F, F, F, F),
    ("elections.statement", "POST"): (L, F, o, N, F, F, F, F, F, F),
    ("elections.close", "POST"): (L, F, F, N, F, F, F, o, o, F),
    ("elections.reopen", "POST"): (L, F, F, N, F, F, F, o, o, F),
    ("elections.install", "POST"): (L, F, F, N, F, F, F, o, o, F),
    ("elections.runoff", "POST"): (L, F, F, N, F, F, F, o, o, F),
    ("elections.create", "POST"): (L, F, F, N, F, F, F, o, o, F),
    ("elections.leave", "POST"): (L, F, F, N, F, o, F, o, o, F),
    # the preparatory group (garden has a committee: forming one is refused 409) and the arrears flags
    ("elections.preparatory_group", "GET"): (L, o, o, F, o, o, o, o, o, o),
    ("elections.form_preparatory", "POST"): (L, F, F, F, F, o, F, F, F, F),
    ("elections.arrears_flags", "GET"): (L, F, F, F, o, F, F, o, o, F),
    ("elections.flag_arrears", "POST"): (L, F, F, F, o, F, F, o, o, F),
    ("minutes.claim_sheet_pdf", "GET"): COMMITTEE,
    # record, proxies, paper ballots, street office (samples from tests/ballots/helpers.py: in the open
    # sample meeting, a delegation by "owner" naming "observer", a paper ballot entered by "committee_member";
    # the meeting has no result yet, so the certification page answers 404 even to the auditor)
    ("record.audit_index", "GET"): (L, F, F, F, F, o, F, F, F, o),
    ("record.audit_meeting", "GET"): (L, F, F, N, F, o, F, F, F, o),
    ("record.audit_verify", "POST"): (L, F, F, N, F, o, F, F, F, o),
    ("record.certify", "GET"): (L, F, F, N, F, N, F, F, F, F),
    ("record.certify", "POST"): (L, F, F, N, F, N, F, F, F, F),
    ("record.proxies_page", "GET"): (L, o, o, N, o, o, o, o, o, o),
    ("record.accept", "POST"): (L, F, F, N, F, F, o, F, F, F),
    ("record.paper_index", "GET"): (L, F, F, N, F, o, F, o, o, o),
    ("record.paper_index", "POST"): (L, F, F, N, F, F, F, o, o, F),
    ("record.paper_sealed_box", "POST"): (L, F, F, N, F, F, F, o, o, F),
    ("record.paper_show", "GET"): (L, F, F, N, F, o, F, o, o, o),
    # the member who entered the sample paper ballot is refused by the domain (flash + 303 to the paper page)
    ("record.paper_attest", "POST"): (L, F, F, N, F, F, F, o, o, F),
    ("record.paper_scan", "GET"): (L, F, F, N, F, o, F, o, o, o),
    ("record_api.record", "GET"): (L, F, o, N, F, o, F, o, o, o),  # owners: the public edition
    # scrutineers and the record page (tests/record/test_editions.py): a sample scrutineer and inspection request
    # of another owner; domain refusals on these pages are a flash and a 303
    ("record.scrutineers_page", "GET"): (L, o, o, N, o, o, o, o, o, o),
    ("record.scrutineers_page", "POST"): (L, F, F, N, F, F, F, o, o, F),
    ("record.scrutineer_remove", "POST"): (L, F, F, N, F, F, F, o, o, F),
    ("record.record_page", "GET"): (L, o, o, N, o, o, o, o, o, o),
    ("record.record_page", "POST"): (L, o, o, N, o, o, o, o, o, o),
    ("record.inspection_answer", "POST"): (L, F, F, N, F, F, F, o, o, F),
    # the same through the API (govern/record/api_scrutiny.py): a refused non-owner's request is 403 not_owner
    ("record_api.list_scrutineers", "GET"): (L, o, o, N, o, o, o, o, o, o),
    ("record_api.name_scrutineer", "POST"): (L, F, F, N, F, F, F, o, o, F),
    ("record_api.remove_scrutineer", "DELETE"): (L, F, F, N, F, F, F, o, o, F),
    ("record_api.list_inspections", "GET"): (L, o, o, N, o, o, o, o, o, o),
    ("record_api.request_inspection", "POST"): (L, F, o, N, F, F, F, F, F, F),
    ("record_api.answer_inspection", "POST"): (L, F, F, N, F, F, F, o, o, F),
    ("record_api.create_delegation", "POST"): (L, o, o, N, o, o, o, o, o, o),
    ("record_api.accept_delegation", "POST"): (L, F, F, N, F, F, o, F, F, F),
    ("record_api.revoke_delegation", "POST"): (L, F, o, N, F, F, F, F, F, F),
    ("record_api.certify", "POST"): (L, F, F, N, F, o, F, F, F, o),
    ("record_api.verify", "POST"): (L, F, F, N, F, o, F, F, F, o),
    # R26: objections to the result (the sample meeting is open: filing answers 409, still past the access check)
    ("record.object_to_result", "POST"): (L, o, o, N, o, o, o, o, o, o),
    ("record.answer_objection", "GET"): (L, F, F, N, F, F, F, o, o, F),
    ("record.answer_objection", "POST"): (L, F, F, N, F, F, F, o, o, F),
    ("record_api.list_objections", "GET"): (L, o, o, N, o, o, o, o, o, o),
    ("record_api.file_objection", "POST"): (L, o, o, N, o, o, o, o, o, o),
    ("record_api.answer_objection", "POST"): (L, F, F, N, F, F, F, o, o, F),
    ("record_paper_api.list_paper", "GET"): (L, F, F, N, F, o, F, o, o, o),
    ("record_paper_api.enter_paper", "POST"): (L, F, F, N, F, F, F, o, o, F),
    ("record_paper_api.get_paper", "GET"): (L, F, F, N, F, o, F, o, o, o),
    ("record_paper_api.paper_scan", "GET"): (L, F, F, N, F, o, F, o, o, o),
    ("record_paper_api.attest_paper", "POST"): (L, F, F, N, F, F, F, o, o, F),
    ("record_paper_api.list_delegations", "GET"): (L, o, o, N, o, o, o, o, o, o),
    ("minutes_api.assembly_minutes", "GET"): (L, o, o, N, o, o, o, o, o, o),
    ("minutes_api.assembly_minutes_pdf", "GET"): (L, o, o, N, o, o, o, o, o, o),
    ("minutes_api.list_committee_meetings", "GET"): LOGGED_IN,
    ("minutes_api.get_committee_meeting", "GET"): (L, o, o, N, o, o, o, o, o, o),
    ("service_photos_api.get_photo", "GET"): (L, N, o, N, o, o, o, o, o, o),
}

IGNORED_METHODS = {"HEAD", "OPTIONS"}
PASSWORD = "correct-horse-battery"


@dataclass
class World:
    users: dict[str, int]
    tokens: dict[str, str]
    #: Sample values for URL arguments, by argument name.
    args: dict[str, object]


def build_world(app, factory) -> World:
    """Two communities and one user per role; one object of each kind for the URL arguments."""
    from govern import jobs
    from govern.accounts import jobs as account_jobs
    from govern.accounts import services
    from govern.accounts.models import ApiToken, OwnerClaim, RoleGrant, User
    from govern.register.models import Community, Owner

    garden = factory.community()
    park = factory.community(slug="park", name="公园小区")
    users = {
        "pending": factory.user("pending"),
        "owner": factory.user("owner", community=garden, owner_ref="A"),
        "other_owner": factory.user("other_owner", community=park, owner_ref="A"),
    }
    for role in ("property_staff", "auditor", "observer", "committee_member", "committee_chair", "admin"):
        users[role] = factory.user(role, roles=(role,), community=garden)
    with app.test_request_context():
        owner_c = db.session.scalar(select(Owner).where(Owner.community_id == garden, Owner.ref == "C"))
        claim = OwnerClaim(user_id=users["pending"], unit_id=owner_c.ownerships[0].unit_id, community_id=garden,
                           owner_id=owner_c.id, phone="13800000009")
        db.session.add(claim)
        tokens = {role: services.issue_token(db.session.get(User, uid)).token for role, uid in users.items()}
        community = db.session.get(Community, garden)
        sheet = account_jobs.request_claim_sheet(community, actor=db.session.get(User, users["committee_member"]))
        jobs.enqueue(account_jobs.render_claim_sheet, sheet.id)
        jobs.commit()
        args = {
            "slug": "garden",
            "filename": "css/app.css",
            "number": "101",
            "claim_id": claim.id,
            "sheet_id": sheet.id,
            "grant_id": db.session.scalar(select(RoleGrant.id).where(RoleGrant.user_id == users["observer"])),
            "token_id": db.session.scalar(select(ApiToken.id).where(ApiToken.user_id == users["owner"])),
            "user_id": users["observer"],
            **_meeting_args(app, garden, users["owner"]),
            **_agenda_args(community, db.session.get(User, users["owner"])),
            **_communication_args(community, users),
            **__import__("tests.minutes.helpers", fromlist=["authz_sample"]).authz_sample(app, garden, users),
            **__import__("tests.ballots.helpers", fromlist=["authz_sample"]).authz_sample(app, garden, users),
            **__import__("tests.record.helpers", fromlist=["authz_sample"]).authz_sample(app, garden, users),
            **__import__("tests.elections.helpers", fromlist=["authz_sample"]).authz_sample(app, garden, users),
        }
        args.update(_editions_args(app, factory, garden, args["meeting_id"]))
    return World(users, tokens, args)


def _editions_args(app, factory, garden, meeting_id) -> dict:
    """A scrutineer and a pending inspection request of the sample meeting, both of an owner outside ROLES."""
    from govern import clock
    from govern.ballots.models import Scrutineer
    from govern.record.models import InspectionRequest

    other = factory.user("owner_b1", community=garden, owner_ref="B1")
    row = Scrutineer(community_id=garden, meeting_id=meeting_id, user_id=other, named_at=clock.now())
    request = InspectionRequest(community_id=garden, meeting_id=meeting_id, user_id=other, created_at=clock.now())
    db.session.add_all([row, request])
    db.session.commit()
    return {"row_id": row.id, "request_id": request.id}


def _agenda_args(community, owner) -> dict:
    """A proposal in review with an attachment and a comment, by the garden owner."""
    from govern import jobs
    from govern.agenda import services as agenda
    from govern.agenda import threads

    p = agenda.create_proposal(community, {"title": "示例提案", "body": "正文"}, actor=owner)
    att = agenda.add_attachment(p, "a.pdf", b"%PDF-1.4 sample", actor=owner)
    agenda.open_proposal(p, actor=owner)
    c = threads.post_comment(threads.thread_for(community, "proposal", p.id), {"body": "评论"}, actor=owner)
    jobs.commit()
    return {"pid": p.id, "aid": att.id, "cid": c.id}


def _communication_args(community, users) -> dict:
    from tests.communication.helpers import authz_sample

    return authz_sample(community, users)


def _meeting_args(app, garden, owner_id) -> dict:
    from tests.meetings.helpers import authz_sample

    return authz_sample(app, garden, owner_id)


def _snapshot() -> dict[str, list]:
    """Every row of every table, to prove that a denied request changed nothing."""
    out = {}
    for table in db.metadata.sorted_tables:
        out[table.name] = [tuple(r) for r in db.session.execute(select(table).order_by(*table.primary_key.columns))]
    return out


def _outcome(resp, method: str, api: bool) -> str:
    status = resp.status_code
    if api and status == 401:
        return L
    if not api and status in (301, 302, 303, 307, 308):
        if urlsplit(resp.headers.get("Location", "")).path == "/login":
            return L
    if status in (403, 404):
        return str(status)
    if status < 400:
        return o
    if method != "GET" and status in (400, 409):
        return o
    if method == "GET" and status == 409:
        return o
    return f"unexpected {status}"


def _rules(app):
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - IGNORED_METHODS):
            yield rule, method


def test_matrix_covers_every_endpoint(app):
    routes = {(rule.endpoint, method) for rule, method in _rules(app)}
    missing = sorted(routes - set(MATRIX))
    stale = sorted(set(MATRIX) - routes)
    assert not missing, f"add rows to MATRIX in tests/test_authz_matrix.py for: {missing}"
    assert not stale, f"MATRIX has rows for endpoints that no longer exist: {stale}"
    for key, row in MATRIX.items():
        assert len(row) == len(ROLES), f"{key}: one expectation per role in ROLES"


@pytest.mark.parametrize("endpoint, method", sorted(MATRIX), ids=lambda v: v)
def test_authorisation(app, factory, endpoint, method):
    world = build_world(app, factory)
    rule = next((r for r in app.url_map.iter_rules(endpoint) if method in r.methods), None)
    assert rule is not None, f"{endpoint} does not answer {method}"
    unknown = sorted(set(rule.arguments) - set(world.args))
    if unknown:
        pytest.fail(f"{endpoint}: add sample values for {unknown} to build_world()")
    with app.test_request_context():
        url = url_for(endpoint, **{a: world.args[a] for a in rule.arguments})
    api = rule.rule.startswith("/api/")

    wrong = []
    for role, expected in zip(ROLES, MATRIX[(endpoint, method)], strict=True):
        client = app.test_client()
        headers = {}
        if role != "anonymous":
            if api:
                headers["Authorization"] = f"Bearer {world.tokens[role]}"
            else:
                login = client.post("/login", data={"username": role, "password": PASSWORD})
                assert login.status_code == 302, f"{role} could not log in"
        with app.app_context():
            before = _snapshot() if expected != o else None
        resp = client.open(url, method=method, headers=headers)
        got = _outcome(resp, method, api)
        if got != expected:
            wrong.append(f"{role}: expected {expected}, got {got} ({resp.status_code})")
            continue
        if before is not None:
            with app.app_context():
                after = _snapshot()
            changed = sorted(t for t in before if before[t] != after[t])
            if changed:
                wrong.append(f"{role}: denied ({got}) but changed {changed}")
    assert not wrong, f"{method} {url} ({endpoint}):\n  " + "\n  ".join(wrong)


def test_matrix_denied_post_leaves_claim_pending(app, factory):
    """A spot check of 'changes nothing' with the domain's own words: the claim stays pending."""
    from govern.accounts.models import OwnerClaim, Role, RoleGrant

    world = build_world(app, factory)
    for role in ("owner", "property_staff", "auditor", "observer", "other_owner", "pending"):
        client = app.test_client()
        client.post("/login", data={"username": role, "password": PASSWORD})
        assert client.post(f"/c/garden/claims/{world.args['claim_id']}/confirm").status_code == 403
    with app.app_context():
        assert db.session.get(OwnerClaim, world.args["claim_id"]).status == "pending"
        owner_grants = select(func.count(RoleGrant.id)).where(RoleGrant.role == Role.OWNER)
        assert db.session.scalar(owner_grants) == 3  # the confirmed owners (owner, other_owner, owner_b1), nobody else
