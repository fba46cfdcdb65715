// govern — paper ballots: the entering member's device hashes the scan (SHA-256), builds and signs the
// govern.paper_ballot.v1 (v2 where the notice bound an agenda: with collected_at and agenda_hash); a second
// member's device signs the govern.paper_attestation.v1. After the close, two members' devices sign the
// govern.sealed_box.v1. Each goes to the server in the form's "body" field; the private keys never leave the devices.
import { canonicalBytes, loadKey, newNonce, rfc3339, sha256Hex, signBytes, storeKeyName } from './govern-sign.js';

const ctx = JSON.parse(document.getElementById('paper-context').textContent);

async function signed(form, name, obj) {
  const record = await loadKey(storeKeyName(ctx.user));
  if (!record || !record.key_id) throw new Error(form.dataset.msgNoKey);
  const signature = await signBytes(record, canonicalBytes(obj));
  form.querySelector('[name=body]').value = JSON.stringify({ [name]: obj, signature, key_id: record.key_id });
}

function guard(form, build) {
  const status = form.querySelector('[data-paper-status]');
  form.addEventListener('submit', async (event) => {
    if (form.dataset.signed) return; // second pass: the body is filled, let the browser post it
    event.preventDefault();
    try {
      await build(form);
      form.dataset.signed = '1';
      form.submit();
    } catch (err) {
      status.dataset.kind = 'error';
      status.textContent = `${form.dataset.msgFailed}: ${err.message || err}`;
    }
  });
}

const entry = document.getElementById('paper-form');
if (entry) {
  guard(entry, async (form) => {
    const file = form.querySelector('[name=scan]').files[0];
    if (!file) throw new Error('scan');
    const choices = {};
    const reasons = {};
    for (const select of form.querySelectorAll('select[data-motion]')) {
      const motion = select.dataset.motion;
      if (!select.value) continue;
      choices[motion] = select.value;
      if (select.value === 'invalid') {
        // The reason is part of the signed entry (1-500 characters): an invalid mark without one cannot be audited.
        const reason = form.querySelector(`[name="reason-${motion}"]`);
        if (!reason.value.trim()) {
          reason.focus();
          throw new Error(form.dataset.msgNoReason);
        }
        reasons[motion] = reason.value.trim();
      }
    }
    const obj = {
      type: 'govern.paper_ballot.v1', community: ctx.community, meeting: ctx.meeting, roll_hash: ctx.roll_hash,
      voter: form.querySelector('[name=voter]').value, choices, invalid_reasons: reasons,
      scan_sha256: await sha256Hex(await file.arrayBuffer()), entered_at: rfc3339(), nonce: newNonce(),
    };
    if (ctx.paper_type === 'govern.paper_ballot.v2') {
      obj.type = ctx.paper_type;
      obj.agenda_hash = ctx.agenda_hash;
      // the datetime-local field is in the device's time zone; the signed time is UTC
      obj.collected_at = rfc3339(new Date(form.querySelector('[name=collected_at]').value));
    }
    await signed(form, 'ballot', obj);
  });
}

const attest = document.getElementById('attest-form');
if (attest) {
  guard(attest, async (form) => {
    const ballot = JSON.parse(document.getElementById('paper-ballot').textContent);
    const obj = {
      type: 'govern.paper_attestation.v1', community: ballot.community, meeting: ballot.meeting,
      paper_ballot_hash: await sha256Hex(canonicalBytes(ballot)), scan_sha256: ballot.scan_sha256,
      attested_at: rfc3339(), nonce: newNonce(),
    };
    await signed(form, 'attestation', obj);
  });
}

const box = document.getElementById('sealed-box-form');
if (box) {
  guard(box, async (form) => {
    const pending = document.getElementById('sealed-box-object');
    const obj = pending ? JSON.parse(pending.textContent) : {
      type: 'govern.sealed_box.v1', community: ctx.community, meeting: ctx.meeting,
      declared: Number.parseInt(form.querySelector('[name=declared]').value, 10),
      closed_at: ctx.closes_at, issued_at: rfc3339(), nonce: newNonce(),
    };
    await signed(form, 'sealed_box', obj);
  });
}

const collected = document.querySelector('#paper-form [name=collected_at]');
if (collected && !collected.value) {
  // default: now, or the close if it has passed, in the device's local time
  const at = new Date(Math.min(Date.now(), Date.parse(ctx.closes_at)));
  collected.value = new Date(at.getTime() - at.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}
