"""Every error code the application answers with: code -> HTTP status and one line of meaning.

A ``DomainError`` (and the JSON body ``{"error": {"code", "message"}}`` under ``/api/``) carries one of
these codes. Codes are ``snake_case``, stable, and documented in docs/error-codes.md; the ``message``
beside them is for people and is translated. ``tests/test_codes.py`` reads ``govern/`` and fails on a
code raised but not listed here, or listed but not documented.

Not error codes, and so not here: the tally's reasons (``QUORUM_AREA``, ``THRESHOLD_COUNT``,
``UNANIMITY``, ``COMMITTEE_MAJORITY``...), which are the domain's vocabulary inside signed results, and
``govern verify``'s problem codes (a CLI contract).
"""

from __future__ import annotations

from typing import NamedTuple


class Code(NamedTuple):
    status: int
    meaning: str


CODES: dict[str, Code] = {
    "agenda_empty": Code(400, "An agenda needs at least one item."),
    "agenda_locked": Code(409, "The agenda is published and can no longer be edited."),
    "agenda_not_published": Code(409, "Publish the agenda before the meeting."),
    "agenda_published": Code(409, "The agenda is already published."),
    "agenda_too_late": Code(400, "A committee meeting's agenda is published later than the notice days require."),
    "already_accepted": Code(409, "You have already accepted this delegation."),
    "already_approved": Code(409, "You have already approved this version."),
    "already_attested": Code(409, "This paper ballot is already attested and in the ledger."),
    "already_certified": Code(409, "You have already signed a verdict on this result."),
    "already_countersigned": Code(409, "You have already countersigned this result."),
    "already_decided": Code(409, "The registration or committee decision was already decided."),
    "already_delegated": Code(409, "This home already has a proxy for this meeting: revoke it first."),
    "already_granted": Code(409, "The user already holds this role."),
    "already_published": Code(409, "The notice is already published."),
    "already_reported": Code(409, "You have already reported this comment."),
    "already_revoked": Code(409, "This role was already revoked."),
    "already_signed": Code(409, (
        "Already signed (a co-signature for this voting person, or a member's minutes signature)."
    )),
    "already_voted": Code(409, "This person has already voted (single-cast meeting)."),
    "answered": Code(409, "Your home has already answered this survey."),
    "attendance_recorded": Code(409, "The attendance is already recorded."),
    "attendee_not_member": Code(400, "Only committee members can be recorded as present."),
    "bad_choice": Code(400, "A vote is agree, oppose or abstain."),
    "bad_claim_code": Code(400, "The claim code is not valid."),
    "bad_date": Code(400, "A date outside the years 1900-2200 in a field, parameter or JSON string."),
    "bad_input": Code(400, "A NUL byte or an unpaired surrogate in a path, parameter, field, header or JSON string."),
    "bad_key": Code(400, "This is not an Ed25519 public key (base64url of 32 bytes)."),
    "bad_locale": Code(400, "Unknown language."),
    "bad_matter": Code(400, "Unknown article 278 item."),
    "bad_owner": Code(400, "Choose which of the unit's registered owners you are."),
    "bad_phone": Code(400, "Enter an 11-digit mobile number."),
    "bad_proxy": Code(400, "The proxy must be another member of this community."),
    "bad_request": Code(400, "The request could not be understood (malformed body, missing or mistyped field)."),
    "bad_scan": Code(400, "The paper ballot's scan is not a PDF, JPEG or PNG within the size limit."),
    "bad_signature": Code(400, "The Ed25519 signature does not verify over the canonical document."),
    "bad_slug": Code(400, "The short name has 2 to 63 lowercase letters, digits or hyphens."),
    "bad_type": Code(415, "Only PDF, PNG and JPEG files are accepted, and the file must really be one."),
    "bad_username": Code(400, "A username has 3 to 64 letters, digits, dots, hyphens or underscores."),
    "closed": Code(409, "The meeting's voting window has closed."),
    "committee_quorum": Code(400, "A committee decision without a quorum: more than half of the members must attend."),
    "community_required": Code(400, "This role belongs to a community."),
    "conflict": Code(409, "The request conflicts with the current state (HTTP 409 without a more precise code)."),
    "conflict_of_interest": Code(403, "The proposal's author or a co-signer may not decide it in committee."),
    "csrf": Code(400, "Missing or invalid CSRF token on a session-authenticated request."),
    "decided": Code(409, "This proposal has already been decided."),
    "delegation_lapsed": Code(409, "The owner has voted: the delegation lapsed."),
    "delegation_revoked": Code(409, "The owner revoked this delegation."),
    "empty": Code(400, "The file is empty."),
    "empty_roll": Code(400, "Nobody in the meeting's scope can vote."),
    "entering_key_revoked": Code(409, (
        "The key of the member who entered a paper ballot was revoked since: enter it again."
    )),
    "extension_stale": Code(409, "The voting window changed since the extension was signed: reload and sign again."),
    "extension_too_late": Code(409, "Voting has closed: the window can no longer be extended."),
    "forbidden": Code(403, "The caller is known but lacks the right for this action."),
    "hidden": Code(409, "A hidden comment cannot be edited."),
    "incomplete": Code(400, "Please rate every statement twice, from 1 to 7."),
    "instructions_not_followed": Code(400, "A proxy's ballot departs from the principal's instructions."),
    "internal_error": Code(500, "An unexpected error on the server; it is logged."),
    "invalid": Code(400, "Form or JSON fields failed validation; details maps each field to its message."),
    "invalid_setting": Code(409, "A stored community setting no longer parses; the platform admin must correct it."),
    "invalid_credentials": Code(401, "Wrong username or password."),
    "locked": Code(401, "Too many failed password attempts: the account is locked for a while."),
    "matter_below_item": Code(400, (
        "A motion deciding a major item of Civil Code art. 278 ((6)-(8)) cannot be classed lower than major.")),
    "meeting_not_closed": Code(409, "Minutes are drafted after the vote has closed."),
    "method_not_allowed": Code(405, "The URL does not answer this HTTP method."),
    "minutes_closed": Code(409, "The minutes are closed; no more decisions can be recorded."),
    "minutes_open": Code(409, "The minutes are not closed for signing yet."),
    "name_required": Code(400, "Enter your name as it appears on your ID."),
    "no_key": Code(400, "You have no signing key enrolled. Enrol one on your device first."),
    "no_motions": Code(400, "Add at least one motion before publishing."),
    "no_proxies": Code(400, "Committee members cannot be represented by a proxy at committee meetings."),
    "not_a_member": Code(403, "Only members of the owners' committee can do this."),
    "not_a_person": Code(403, "Only a confirmed owner of a unit that counts for voting can co-sign."),
    "not_approved": Code(409, "The committee has not approved this version yet."),
    "not_closed": Code(409, "Voting has not closed yet."),
    "not_committee": Code(403, "Only committee members enter paper ballots."),
    "not_current": Code(409, "Only the current version can be approved."),
    "not_draft": Code(409, "Only a draft can be changed."),
    "not_eligible": Code(403, "The voter is not on the meeting's frozen roll (or the caster may not cast for them)."),
    "not_found": Code(404, "The object does not exist or is not the caller's to see."),
    "not_held": Code(409, "Record the attendance first."),
    "not_important": Code(409, "Only important notices ask for an acknowledgement."),
    "not_in_review": Code(409, "Only a proposal in review can be accepted."),
    "not_open": Code(409, "The proposal (or its thread) is not open for this action."),
    "not_owner": Code(403, "Only confirmed owners with a home in the register can answer."),
    "not_present": Code(403, "Only the members present at the meeting sign its minutes."),
    "not_published": Code(409, "The meeting's notice is not published: it has no record yet."),
    "not_reached": Code(409, "Only a petition that reached its threshold can be marked convened."),
    "not_recipient": Code(403, "This notice was not addressed to you."),
    "not_started": Code(409, "The meeting has not started yet."),
    "not_token_auth": Code(400, "This request was not made with a token."),
    "notice_too_short": Code(400, "The notice period before the opening is shorter than R9 requires."),
    "own_claim": Code(403, "You cannot confirm your own registration."),
    "owner_taken": Code(409, "This owner already has a confirmed account."),
    "paper_pending": Code(409, "A paper ballot for this person is already awaiting attestation."),
    "password_required": Code(401, "Enter your password again to enrol a new key."),
    "payload_too_large": Code(413, "The request body is over the configured limit."),
    "pdf_font_missing": Code(503, "No CJK font is installed on the server, so PDFs cannot be rendered."),
    "pdf_not_retryable": Code(409, "This PDF is not failed; there is nothing to retry."),
    "proxy_cap_exceeded": Code(409, "The proxy already represents as many owners as the community allows."),
    "published": Code(409, "These minutes are already published."),
    "rate_limited": Code(429, "Too many requests from this address; wait and retry."),
    "reason_required": Code(400, "Give a reason for the rejection."),
    "replay": Code(409, "The same ballot (or paper ballot) was already appended."),
    "reserved_to_assembly": Code(400, "The matter is reserved to the owners' assembly (Civil Code art. 278)."),
    "results_signed": Code(409, "The results are signed: no ballot can be added any more."),
    "revoked_key": Code(403, "This key was revoked. Use your current key."),
    "same_member": Code(403, "A second committee member must attest: you entered this ballot."),
    "scan_mismatch": Code(400, "The signed scan hash is not the hash of the uploaded scan."),
    "signatures_missing": Code(409, "Minutes are published only when every member present has signed."),
    "slug_taken": Code(409, "A community with this short name already exists."),
    "stale_ballot": Code(400, "The ballot's issue time is too far from the server's clock."),
    "stale_signature": Code(400, "The signing time is too far from now: sign again."),
    "state": Code(409, "The object is not in a state that allows this action."),
    "title_required": Code(400, "Give the meeting a title."),
    "too_large": Code(413, "The uploaded file is over the size limit."),
    "unauthorized": Code(401, "No valid session or bearer token: log in or send a token."),
    "unknown_key": Code(400, "This key is not enrolled to your account."),
    "unknown_motion": Code(400, "The paper ballot names a motion that is not on the agenda."),
    "unprocessable": Code(422, "The request is well-formed but cannot be processed."),
    "unsupported_media_type": Code(415, "The request's content type is not accepted."),
    "used_claim_code": Code(400, "This claim code has already been used."),
    "username_taken": Code(409, "This username is taken."),
    "voter_not_present": Code(400, "Only members present in person vote; there are no proxies."),
    "weak_password": Code(400, "The password is shorter than the minimum length."),
    "window_closed": Code(409, "Voting has closed."),
    "window_not_open": Code(409, "Voting has not opened yet."),
    "window_out_of_bounds": Code(400, (
        "The voting window (extensions included) is shorter or longer than the community's bounds (R12, 5-60 "
        "days by default).")),
    "wrong_key": Code(400, "This is not your current signing key. Sign with your current key."),
    "wrong_meeting": Code(400, "The paper ballot is for another meeting."),
    "wrong_roll": Code(400, "The paper ballot names another roll."),
    "bad_purpose": Code(400, "A one-time code is asked for an unknown purpose (sign-in or password reset)."),
    "bad_target": Code(400, "A one-time code goes to an 11-digit mobile number or an e-mail address."),
    "invalid_code": Code(400, "The one-time or authenticator code is wrong, used or expired."),
    "invalid_totp": Code(401, "The authenticator app's code does not match."),
    "otp_required": Code(401, "Many wrong passwords were tried: sign in from this device with a one-time code."),
    "own_account": Code(403, "An administrator cannot block their own account."),
    "totp_required": Code(401, "This account signs in with a code from its authenticator app as well."),
    "enrolment_conflict": Code(409, "Another key enrolment for this account happened at the same moment; try again."),
    "bad_proof": Code(400, "The proof of possession is not the new key's signature over the account and issued_at."),
    "proof_required": Code(400, "Key enrolment needs the proof of possession (proof and issued_at)."),
    "stale_proof": Code(400, "The proof of possession was made more than 10 minutes from the server's time."),
    "weak_key": Code(400, "The public key is a small-order or non-canonical point: anybody could sign with it."),
    "no_agenda": Code(404, "The meeting's notice is not published yet, so it has no fixed agenda."),
    "not_counted": Code(409, "The votes are still being counted: the result is not signed yet."),
    "voting_open": Code(409, "Voting is still open or the result is not yet signed: the record is not available yet."),
}


def status_of(code: str, default: int = 400) -> int:
    """The HTTP status of ``code`` (``default`` for a code that is not listed, which a test forbids)."""
    entry = CODES.get(code)
    return entry.status if entry else default
