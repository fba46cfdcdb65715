// govern — proxies (R15): sign a govern.delegation.v1 (v2 with the agenda hash) or a govern.delegation_revocation.v1 with the key on
// this device (govern-sign.js) and send it to the API. The private key never leaves the device.
import { api, canonicalBytes, loadKey, newNonce, rfc3339, sha256Hex, signBytes, storeKeyName } from './govern-sign.js';

const status = document.querySelector('[data-delegation-status]');
const user = document.querySelector('script[src$="delegation.js"]').dataset.user;

async function deviceKey() {
  const record = await loadKey(storeKeyName(user));
  if (!record || !record.key_id) throw new Error(status.dataset.msgNoKey);
  return record;
}

async function send(url, name, obj) {
  const record = await deviceKey();
  const signature = await signBytes(record, canonicalBytes(obj));
  await api('POST', url, { [name]: obj, signature, key_id: record.key_id });
}

function report(err) {
  status.textContent = err ? `${status.dataset.msgFailed}: ${err.message || err}` : status.dataset.msgDone;
  if (!err) setTimeout(() => window.location.assign(window.location.pathname), 800); // the lists, as the server now has them
}

const form = document.getElementById('delegation-form');
const ctxNode = document.getElementById('delegation-context');
if (form && ctxNode) {
  const ctx = JSON.parse(ctxNode.textContent);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const instructions = {};
    for (const select of form.querySelectorAll('select[data-motion]')) {
      if (select.value) instructions[select.dataset.motion] = select.value;
    }
    const obj = {
      type: ctx.agenda_hash ? 'govern.delegation.v2' : 'govern.delegation.v1', community: ctx.community,
      meeting: ctx.meeting, principal: ctx.principal, proxy: ctx.proxy, issued_at: rfc3339(), nonce: newNonce(),
    };
    if (Object.keys(instructions).length) obj.instructions = instructions;
    // A meeting whose notice bound an agenda: the authorisation names it (govern.delegation.v2).
    if (ctx.agenda_hash) obj.agenda_hash = ctx.agenda_hash;
    try { await send(ctx.url, 'delegation', obj); report(null); } catch (err) { report(err); }
  });
}

for (const button of document.querySelectorAll('button[data-revoke]')) {
  button.hidden = false;
  button.addEventListener('click', async () => {
    const delegation = JSON.parse(button.dataset.delegation);
    const obj = {
      type: 'govern.delegation_revocation.v1', community: delegation.community, meeting: delegation.meeting,
      principal: delegation.principal, delegation_hash: await sha256Hex(canonicalBytes(delegation)),
      issued_at: rfc3339(), nonce: newNonce(),
    };
    try { await send(button.dataset.revoke, 'revocation', obj); report(null); } catch (err) { report(err); }
  });
}
