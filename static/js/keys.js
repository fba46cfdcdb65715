// govern — the keys page: make an Ed25519 key pair on this device and enrol its public half.
import {
  api, ApiError, deleteKey, fingerprint, generateDeviceKey, hasWebCryptoEd25519, keyEnrolmentBody, loadKey,
  saveKey, storeKeyName, translator,
} from './govern-sign.js';

const t = translator({
  'zh-CN': {
    working: '正在这台设备上生成密钥……',
    sending: '正在登记公钥……',
    done: '密钥已生成并登记。指纹：{fp}。旧密钥（如有）已作废。',
    needPassword: '请再次输入登录密码。',
    wrongPassword: '密码不正确（或登录已过期，请重新登录后再试）。',
    badKey: '服务器拒绝了这个公钥，请重试。',
    clock: '这台设备的时间与服务器相差超过 10 分钟。请校准设备时间后重试。密钥没有登记。',
    rateLimited: '尝试次数过多，请稍后再试。',
    network: '网络连接失败，请检查网络后重试。密钥没有登记。',
    failed: '登记失败：{msg}',
    noStorage: '这个浏览器无法保存密钥（可能处于无痕/隐私模式）。请换用普通模式或其他浏览器。',
    strong: '这个浏览器会以“不可导出”的方式保存私钥：网页程序只能用它签名，无法读出私钥本身。',
    weak: '注意：这个浏览器不支持内置的 Ed25519 密钥，将使用备用方式生成密钥。私钥仍只保存在这台设备上，但保护强度较低（本网站的程序可以读出它）。如有条件，请使用较新版本的浏览器。',
    deviceMatches: '这台设备保存着你当前的投票密钥（指纹 {fp}），可以用它投票。',
    deviceOther: '这台设备保存的密钥（指纹 {fp}）不是你当前登记的密钥，不能用于投票。如要在这台设备上投票，请重新生成密钥（另一台设备上的密钥会作废）。',
    deviceNone: '这台设备上还没有你的投票密钥。',
    confirmReplace: '生成新密钥会使你当前的密钥（指纹 {fp}）立即作废。请先勾选“我知道旧密钥会作废”。',
  },
  en: {
    working: 'Making a key on this device…',
    sending: 'Enrolling the public key…',
    done: 'Key made and enrolled. Fingerprint: {fp}. Any earlier key is now revoked.',
    needPassword: 'Please enter your password again.',
    wrongPassword: 'Wrong password (or your session has expired: log in again and retry).',
    badKey: 'The server refused this public key. Please try again.',
    clock: 'This device\'s clock is more than 10 minutes off the server\'s. Set the time correctly and retry. No key was enrolled.',
    rateLimited: 'Too many attempts. Please wait and try again.',
    network: 'Network error. Check your connection and retry. No key was enrolled.',
    failed: 'Enrolment failed: {msg}',
    noStorage: 'This browser cannot store the key (private mode?). Use normal mode or another browser.',
    strong: 'This browser keeps the private key non-extractable: pages can sign with it but cannot read it.',
    weak: 'Note: this browser has no built-in Ed25519, so a fallback library makes the key. The private key still stays on this device, but it is less well protected (this site\'s scripts could read it). Use a recent browser if you can.',
    deviceMatches: 'This device holds your active voting key (fingerprint {fp}); you can vote here.',
    deviceOther: 'The key on this device (fingerprint {fp}) is not your enrolled key and cannot be used to vote. To vote here, make a new key (the key on your other device will be revoked).',
    deviceNone: 'This device does not hold a voting key of yours yet.',
    confirmReplace: 'A new key revokes your current key (fingerprint {fp}) at once. Tick "I understand my current key will be revoked" first.',
  },
});

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
  const userId = form.dataset.user;
  try {
    say(t('working'));
    const key = await generateDeviceKey();
    const record = { ...key, fingerprint: await fingerprint(key.publicKey), created_at: new Date().toISOString(), key_id: null };
    try {
      // Kept aside until the server has accepted it, so a failed attempt never loses the working key.
      await saveKey(storeKeyName(userId, true), record);
    } catch (e) {
      say(t('noStorage'), 'error');
      return;
    }
    say(t('sending'));
    const answer = await api('POST', form.dataset.enrolUrl, await keyEnrolmentBody(key, userId, { password }));
    record.key_id = answer.key_id;
    if (answer.fingerprint) record.fingerprint = answer.fingerprint;
    await saveKey(storeKeyName(userId), record);
    await deleteKey(storeKeyName(userId, true));
    form.elements.password.value = '';
    // Reload so the page shows the server's view (active key, history with the revoked key); the
    // message survives the reload in sessionStorage and is shown again, with focus, on load.
    sessionStorage.setItem(FLASH, JSON.stringify({ text: t('done', { fp: record.fingerprint }), kind: 'ok' }));
    window.location.reload();
  } catch (e) {
    if (e instanceof ApiError) {
      if (e.status === 401 || e.status === 403) say(t('wrongPassword'), 'error');
      else if (e.code === 'bad_key' || e.code === 'weak_key' || e.code === 'bad_proof') say(t('badKey'), 'error');
      else if (e.code === 'stale_proof') say(t('clock'), 'error');
      else if (e.status === 429) say(t('rateLimited'), 'error');
      else if (e.code === 'network') say(t('network'), 'error');
      else say(t('failed', { msg: e.message }), 'error');
      if (e.status === 401) form.elements.password.select();
    } else {
      say(t('failed', { msg: String(e && e.message ? e.message : e) }), 'error');
    }
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
