// govern — the ballot page: choose, review, sign on this device, cast, check the server's receipt.
// One controller per ballot form on the page: the caller's own (ids without prefix) and one per owner
// the caller votes for as proxy (ids prefixed "proxy-<delegation id>-"; the context then carries the
// delegation hash, and the ballot's voter is that owner). Every ballot is signed with this account's key.
import {
  api, ApiError, buildBallot, canonicalBytes, canonicalText, loadKey, receiptObject, sha256Hex, signBytes, storeKeyName,
  translator, verifyBytes,
} from './govern-sign.js';
import { enrolDeviceKey, enrolProblem } from './enrol.js';

const t = translator();

const KEY_PROBLEM_CODES = new Set(['revoked_key', 'unknown_key', 'bad_signature']);

const settings = document.getElementById('ballot-settings')?.dataset;
const keyStatus = document.getElementById('key-status');
const keysLinkText = () => document.getElementById('key-status-link').textContent;

function checkUrl(hash) {
  return `${settings.checkUrl}?hash=${encodeURIComponent(hash)}`;
}

const inlineEnrol = document.getElementById('inline-enrol');

/** No usable key on this device: offer to make one right here, before the choices (never a detour). */
function offerEnrol(text, say) {
  if (!inlineEnrol) return false;
  document.getElementById('inline-enrol-reason').textContent = text;
  inlineEnrol.hidden = false;
  keyStatus.hidden = true;
  if (say) {
    say(text, 'error');
    document.getElementById('inline-enrol-password').focus();
  }
  return true;
}

function setupInlineEnrol() {
  const form = document.getElementById('inline-enrol-form');
  if (!form) return;
  const status = document.getElementById('inline-enrol-status');
  const say = (text, kind = 'info') => { status.textContent = text; status.dataset.kind = kind; };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const password = form.elements.password.value;
    if (!password) {
      say(t('key_needPassword'), 'error');
      form.elements.password.focus();
      return;
    }
    const button = document.getElementById('inline-enrol-button');
    button.disabled = true;
    try {
      const record = await enrolDeviceKey({
        userId: settings.user, enrolUrl: form.dataset.enrolUrl, password, onStep: (step) => say(t(`key_${step}`)),
      });
      form.elements.password.value = '';
      settings.activeKeyId = record.key_id;
      inlineEnrol.hidden = true;
      const done = document.getElementById('key-ready');
      done.textContent = t('enrolled', { fp: record.fingerprint });
      done.hidden = false;
      document.querySelectorAll('[id$="ballot-status"]').forEach((el) => { el.textContent = ''; });
      const first = document.querySelector('form[data-ballot] fieldset.motion input:not([disabled])');
      (first || done).focus();
    } catch (e) {
      const [key, vars] = enrolProblem(e);
      say(t(`key_${key}`, vars), 'error');
      if (key === 'wrongPassword') form.elements.password.select();
    } finally {
      button.disabled = false;
    }
  });
}

function showKeyProblem(text, say) {
  document.getElementById('key-status-text').textContent = text;
  keyStatus.hidden = false;
  if (say) {
    say(text, 'error', { href: settings.keysUrl, text: keysLinkText() });
    document.getElementById('key-status-link').focus();
  }
}

/** The device key for this account if it is the enrolled one; otherwise null (the reason shown, and said by `say`). */
async function deviceKey(say = null) {
  let rec = null;
  try {
    rec = await loadKey(storeKeyName(settings.user));
  } catch (e) {
    showKeyProblem(t('noStorage'), say);
    return null;
  }
  const active = settings.activeKeyId;
  if (!rec || !rec.key_id || !active) {
    if (!offerEnrol(t('enrolNone'), say)) showKeyProblem(t('noKey'), say);
    return null;
  }
  if (rec.key_id !== active) {
    if (!offerEnrol(t('enrolOther'), say)) showKeyProblem(t('otherKey'), say);
    return null;
  }
  keyStatus.hidden = true;
  return rec;
}

/** Wire one ballot form: the elements are those whose id starts with `prefix`. */
function setupBallot(prefix) {
  const $ = (name) => document.getElementById(prefix + name);
  const form = $('ballot-form');
  const context = JSON.parse($('ballot-context').textContent);
  const proxy = Boolean(context.delegation_hash);
  /** The text for `key`; on a proxy's form its "proxy_" variant where there is one. */
  const tx = (key, vars) => (proxy && t(`proxy_${key}`) !== `proxy_${key}` ? t(`proxy_${key}`, vars) : t(key, vars));
  const status = $('ballot-status');
  const signButton = $('sign-button');
  let lastDownload = null;
  /** The ballot built at review: shown as the exact text to be signed, and signed as shown. */
  let pending = null;
  const FRESH_MS = 5 * 60 * 1000; // rebuilt (new issued_at) when older: the server accepts 10 minutes

  /** Show the canonical text of `ballot` and the motion titles it binds, in the review's collapsible box. */
  function showSignedText(ballot) {
    const text = $('signed-text');
    if (!text) return;
    text.textContent = canonicalText(ballot);
    const list = $('signed-motions');
    list.replaceChildren();
    for (const id of Object.keys(ballot.choices)) {
      const li = document.createElement('li');
      const code = document.createElement('code');
      code.textContent = `"${id}"`;
      li.append(code, ` ${(context.titles || {})[id] || ''}`);
      list.append(li);
    }
    const agenda = $('signed-agenda');
    if (agenda) {
      agenda.hidden = !ballot.agenda_hash;
      $('signed-agenda-hash').textContent = ballot.agenda_hash || '';
    }
  }

  function ballotFor(choices) {
    const same = pending && Object.keys(choices).length === Object.keys(pending.choices).length
      && Object.entries(choices).every(([m, c]) => pending.choices[m] === c);
    if (!same || Date.now() - Date.parse(pending.issued_at) > FRESH_MS) {
      pending = buildBallot(context, choices);
      showSignedText(pending);
    }
    return pending;
  }

  function say(text, kind = 'info', link = null) {
    status.textContent = text;
    status.dataset.kind = kind;
    if (link) {
      status.append(' ');
      const a = document.createElement('a');
      a.href = link.href;
      a.textContent = link.text;
      status.append(a);
    }
  }

  const fieldsets = () => Array.from(form.querySelectorAll('fieldset.motion'));
  const heading = $('motions-h'); // the own ballot's heading is hidden while reviewing; a proxy's owner stays named

  function readChoices() {
    const choices = {};
    const missing = [];
    for (const fs of fieldsets()) {
      const list = fs.querySelector('ul.candidates');
      if (list) { // an election (#14): the ticked candidates; none ticked takes part without agreeing
        choices[fs.dataset.motion] = { marks: Array.from(list.querySelectorAll('input:checked'), (i) => i.value) };
        continue;
      }
      const checked = fs.querySelector('input[type=radio]:checked');
      const msg = $(`missing-${fs.dataset.motion}`);
      if (checked) {
        choices[fs.dataset.motion] = checked.value;
        fs.classList.remove('is-missing');
        if (msg) msg.hidden = true;
        fs.querySelectorAll('input').forEach((i) => i.removeAttribute('aria-invalid'));
      } else {
        missing.push(fs);
        fs.classList.add('is-missing');
        if (msg) msg.hidden = false;
        fs.querySelectorAll('input').forEach((i) => i.setAttribute('aria-invalid', 'true'));
      }
    }
    return { choices, missing };
  }

  function review(event) {
    event.preventDefault();
    const { choices, missing } = readChoices();
    if (missing.length) {
      say(t('missing', { n: missing.length }), 'error');
      missing[0].querySelector('input:not([disabled])').focus();
      return;
    }
    const list = $('summary-list');
    list.replaceChildren();
    for (const fs of fieldsets()) {
      const li = document.createElement('li');
      const title = document.createElement('span');
      title.textContent = fs.querySelector('legend').textContent.trim();
      const word = document.createElement('span');
      word.className = 'choice-word';
      const choice = choices[fs.dataset.motion];
      word.textContent = choice.marks ? (choice.marks.map((id) => fs.querySelector(`input[value="${id}"]`).dataset.name)
        .join('、') || t('noMarks')) : t(choice);
      li.append(title, word);
      list.append(li);
    }
    try {
      pending = null;
      ballotFor(choices);
    } catch (e) {
      say(t('err_local', { msg: e.message || String(e) }), 'error');
      return;
    }
    say('');
    form.hidden = true;
    if (heading) heading.hidden = true;
    const ready = document.getElementById('key-ready');
    if (ready) ready.hidden = true;
    $('confirm').hidden = false;
    $('confirm-h').focus();
  }

  function back() {
    $('confirm').hidden = true;
    form.hidden = false;
    if (heading) heading.hidden = false;
    say('');
    fieldsets()[0]?.querySelector('input:not([disabled])')?.focus();
  }

  function errorText(e) {
    const text = e.code ? tx(`err_${e.code}`) : '';
    if (text && text !== `err_${e.code}`) return text;
    if (e.status === 401) return t('err_unauthorized');
    if (e.status === 429) return t('err_rate');
    return t('err_other', { code: e.code || e.status, msg: e.message });
  }

  async function cast() {
    const key = await deviceKey(say);
    if (!key) return;
    const { choices, missing } = readChoices();
    if (missing.length) { back(); return; }
    signButton.disabled = true;
    let ballot;
    let bytes;
    let hash;
    let signature;
    try {
      say(t('signing'));
      ballot = ballotFor(choices);
      bytes = canonicalBytes(ballot);
      hash = await sha256Hex(bytes);
      signature = await signBytes(key, bytes);
    } catch (e) {
      say(t('err_local', { msg: e.message || String(e) }), 'error');
      signButton.disabled = false;
      return;
    }
    let receipt;
    try {
      say(t('sending'));
      receipt = await api('POST', settings.castUrl, { ballot, signature, key_id: key.key_id });
    } catch (e) {
      signButton.disabled = false;
      if (e instanceof ApiError && e.code === 'network') {
        say(t('uncertain', { hash }), 'error', { href: checkUrl(hash), text: t('checkLink') });
      } else if (e instanceof ApiError) {
        if (KEY_PROBLEM_CODES.has(e.code) && offerEnrol(errorText(e))) {
          say(errorText(e), 'error');
          document.getElementById('inline-enrol-password').focus();
        } else {
          const link = KEY_PROBLEM_CODES.has(e.code) ? { href: settings.keysUrl, text: keysLinkText() } : null;
          say(errorText(e), 'error', link);
        }
      } else {
        say(t('err_other', { code: '?', msg: String(e) }), 'error');
      }
      return;
    }
    pending = null;
    await showReceipt({ ballot, signature, key, hash, receipt });
  }

  async function showReceipt({ ballot, signature, key, hash, receipt }) {
    // The server-rendered receipt of an earlier ballot (#my-receipt) is no longer the latest one.
    const earlier = prefix ? null : document.getElementById('my-receipt');
    if (earlier) earlier.hidden = true;
    say(t('checking'));
    let serverKey = null;
    let verified = null;
    try {
      serverKey = (await api('GET', settings.serverKeyUrl)).public_key;
      const obj = receiptObject(ballot.meeting, receipt.position, receipt.ballot_hash, receipt.chain_hash);
      verified = await verifyBytes(serverKey, canonicalBytes(obj), receipt.server_signature);
    } catch (e) {
      verified = null;
    }
    const hashOk = receipt.ballot_hash === hash;
    $('r-position').textContent = String(receipt.position);
    $('r-ballot-hash').textContent = receipt.ballot_hash;
    $('r-chain-hash').textContent = receipt.chain_hash;
    $('r-fingerprint').textContent = key.fingerprint || '';
    $('r-choices').replaceChildren(...Array.from($('summary-list').children, (li) => li.cloneNode(true)));
    const check = $('receipt-server-check');
    const problems = [];
    if (!hashOk) problems.push(t('hashMismatch', { mine: hash }));
    if (verified === true) {
      check.textContent = [tx('serverOk'), ...problems].join(' ');
      check.dataset.kind = hashOk ? 'ok' : 'error';
    } else {
      check.textContent = [verified === false ? t('serverBad') : t('serverUnknown'), ...problems].join(' ');
      check.dataset.kind = verified === false || !hashOk ? 'error' : 'warn';
    }
    check.dataset.verified = String(verified === true && hashOk);
    $('check-link').href = checkUrl(receipt.ballot_hash);
    lastDownload = {
      type: 'govern.receipt-bundle.v1',
      meeting: ballot.meeting,
      ballot,
      signature,
      key_id: key.key_id,
      ballot_hash: hash,
      ...(proxy ? { delegation_hash: context.delegation_hash } : {}),
      receipt,
      server_public_key: serverKey,
      server_signature_verified: verified === true,
      check_url: new URL(checkUrl(receipt.ballot_hash), window.location.href).href,
    };
    $('confirm').hidden = true;
    $('receipt').hidden = false;
    const ready = document.getElementById('key-ready');
    if (ready) ready.hidden = true;
    say(tx('received', { pos: receipt.position }), 'ok');
    $('receipt-h').focus();
  }

  function download() {
    if (!lastDownload) return;
    const blob = new Blob([JSON.stringify(lastDownload, null, 2) + '\n'], { type: 'application/json' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `govern-receipt-meeting-${lastDownload.meeting}-${lastDownload.ballot_hash.slice(0, 12)}.json`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  }

  // An election: once max_marks candidates are ticked the others are disabled, so the page cannot over-mark.
  form.querySelectorAll('ul.candidates').forEach((list) => {
    const max = Number(list.dataset.maxMarks);
    const count = list.parentElement.querySelector('.marks-count');
    const limit = () => {
      const boxes = Array.from(list.querySelectorAll('input[type=checkbox]'));
      const ticked = boxes.filter((b) => b.checked).length;
      if (!list.dataset.instructed) boxes.forEach((b) => { if (!b.checked) b.disabled = ticked >= max; });
      if (count) count.textContent = t('marksCount', { n: ticked, max });
    };
    list.addEventListener('change', limit);
    limit();
  });
  $('review-button').hidden = false;
  form.addEventListener('submit', review);
  form.addEventListener('change', () => { if (form.querySelector('.is-missing')) readChoices(); });
  $('back-button').addEventListener('click', back);
  signButton.addEventListener('click', cast);
  $('download-button').addEventListener('click', download);
}

if (settings) {
  document.querySelectorAll('form[data-ballot]').forEach((form) => setupBallot(form.dataset.ballot));
  setupInlineEnrol();
  deviceKey();
}
