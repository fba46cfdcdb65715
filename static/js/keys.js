// govern — the keys page: make an Ed25519 key pair on this device and enrol its public half.
import { hasWebCryptoEd25519, loadKey, storeKeyName, translator } from './govern-sign.js';
import { enrolDeviceKey, enrolProblem } from './enrol.js';

const tr = translator();
const t = (key, vars) => tr(`key_${key}`, vars);

const FLASH = 'govern-keys-flash';
const form = document.getElementById('enrol-form');
const status = document.getElementById('enrol-status');
const deviceStatus = document.getElementById('device-key-status');
const strength = document.getElementById('key-strength');

function say(text, kind = 'info') {
  status.textContent = text;
  status.dataset.kind = kind;
}

async function showDevice() {
  const userId = form.dataset.user;
  const active = form.dataset.activeKeyId;
  let rec = null;
  try { rec = await loadKey(storeKeyName(userId)); } catch (e) { rec = null; }
  if (rec && rec.key_id && active && rec.key_id === active) {
    deviceStatus.textContent = t('deviceMatches', { fp: rec.fingerprint });
    deviceStatus.dataset.kind = 'ok';
  } else if (rec && rec.key_id) {
    deviceStatus.textContent = t('deviceOther', { fp: rec.fingerprint });
    deviceStatus.dataset.kind = 'warn';
  } else {
    deviceStatus.textContent = t('deviceNone');
    deviceStatus.dataset.kind = 'warn';
  }
  deviceStatus.hidden = false;
}

async function enrol(event) {
  event.preventDefault();
  const password = form.elements.password.value;
  if (!password) {
    say(t('needPassword'), 'error');
    form.elements.password.focus();
    return;
  }
  const ack = form.elements.acknowledge;
  if (ack && ack.required && !ack.checked) {
    say(t('confirmReplace', { fp: form.dataset.activeFingerprint }), 'error');
    ack.focus();
    return;
  }
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  try {
    const record = await enrolDeviceKey({
      userId: form.dataset.user, enrolUrl: form.dataset.enrolUrl, password, onStep: (step) => say(t(step)),
    });
    form.elements.password.value = '';
    // Reload so the page shows the server's view (active key, history with the revoked key); the
    // message survives the reload in sessionStorage and is shown again, with focus, on load.
    sessionStorage.setItem(FLASH, JSON.stringify({ text: t('done', { fp: record.fingerprint }), kind: 'ok' }));
    window.location.reload();
  } catch (e) {
    const [key, vars] = enrolProblem(e);
    say(t(key, vars), 'error');
    if (key === 'wrongPassword') form.elements.password.select();
  } finally {
    button.disabled = false;
  }
}

if (form) {
  form.hidden = false;
  form.addEventListener('submit', enrol);
  hasWebCryptoEd25519().then((strong) => {
    strength.textContent = strong ? t('strong') : t('weak');
    strength.dataset.kind = strong ? 'ok' : 'warn';
    strength.hidden = false;
  });
  showDevice();
  const flash = sessionStorage.getItem(FLASH);
  if (flash) {
    sessionStorage.removeItem(FLASH);
    const { text, kind } = JSON.parse(flash);
    say(text, kind);
    status.tabIndex = -1;
    status.focus();
  }
}
