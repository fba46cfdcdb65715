// govern — the ballot page: choose, review, sign on this device, cast, check the server's receipt.
// One controller per ballot form on the page: the caller's own (ids without prefix) and one per owner
// the caller votes for as proxy (ids prefixed "proxy-<delegation id>-"; the context then carries the
// delegation hash, and the ballot's voter is that owner). Every ballot is signed with this account's key.
import {
  api, ApiError, buildBallot, canonicalBytes, loadKey, receiptObject, sha256Hex, signBytes, storeKeyName,
  translator, verifyBytes,
} from './govern-sign.js';

const t = translator({
  'zh-CN': {
    agree: '同意', oppose: '反对', abstain: '弃权',
    missing: '还有 {n} 项议案没有选择，请逐项选择“同意”“反对”或“弃权”。',
    noKey: '这台设备上没有你的投票密钥，无法签名。请先到“投票密钥”页在这台设备上生成密钥。',
    otherKey: '这台设备上的密钥不是你当前登记的密钥（你可能在其他设备上生成了新密钥）。请到“投票密钥”页在这台设备上重新生成密钥。',
    keyOk: '这台设备保存着你的投票密钥（指纹 {fp}），将用它签名。',
    noStorage: '无法读取这台设备上的密钥（浏览器可能处于无痕模式）。',
    signing: '正在这台设备上签名……',
    sending: '正在提交选票……',
    checking: '正在验证服务器的回执签名……',
    received: '选票已被接收并记入账本（第 {pos} 号）。',
    serverOk: '已验证：回执由服务器密钥签名，签名有效。服务器不能否认收到了你的选票。',
    serverBad: '警告：回执的服务器签名验证失败。请下载回执并联系业主委员会或街道办。',
    serverUnknown: '无法获取服务器公钥，回执签名暂未验证。请下载回执，稍后用“核对”页面检查。',
    hashMismatch: '警告：服务器返回的选票哈希与本机计算的不一致（本机：{mine}）。请下载回执并联系业主委员会或街道办。',
    uncertain: '网络中断，无法确定选票是否已提交。请勿重复投票，先用下面的链接核对选票是否已记入账本。选票哈希：{hash}',
    checkLink: '核对选票是否已记入账本',
    err_bad_signature: '签名验证失败，选票未被接收。请刷新本页重试；如仍失败，请到“投票密钥”页重新生成密钥。',
    err_not_eligible: '你不在本次会议的表决名册上，不能投票。',
    err_window_not_open: '投票尚未开始，选票未被接收。',
    err_window_closed: '投票已经结束，选票未被接收。',
    err_already_voted: '你已经投过票。本次会议每人只能投一次，之前的选票有效。',
    err_replay: '这张选票已经提交过（重复提交）。请刷新本页查看状态。',
    err_unknown_motion: '议案清单已有变化，请刷新本页后重新投票。',
    err_wrong_meeting: '会议信息已有变化，请刷新本页后重新投票。',
    err_wrong_roll: '表决名册已有变化，请刷新本页后重新投票。',
    err_stale_ballot: '这台设备的时间与服务器相差太多。请把手机时间设为自动，然后重试。',
    err_revoked_key: '这台设备上的密钥已作废（你可能在其他设备上生成了新密钥）。请到“投票密钥”页重新生成。',
    err_unknown_key: '这台设备上的密钥没有登记到你的账户。请到“投票密钥”页重新生成。',
    err_bad_request: '选票格式有误，未被接收。请刷新本页重试。',
    err_csrf: '页面已过期，请刷新本页后重试。',
    err_unauthorized: '登录已过期，请重新登录后再投票。',
    err_rate: '操作太频繁，请稍后再试。',
    err_other: '提交失败（{code}）：{msg}',
    err_local: '无法生成选票：{msg}',
    proxy_received: '代该业主投出的选票已被接收并记入账本（第 {pos} 号）。',
    proxy_serverOk: '已验证：回执由服务器密钥签名，签名有效。服务器不能否认收到了这张选票。',
    proxy_err_not_eligible: '你已不能代该业主投票（委托已被撤销，或尚未接受）。请刷新本页。',
    proxy_err_already_voted: '你已经代该业主投过票。本次会议每人只能投一次，之前的选票有效。',
    proxy_err_delegation_lapsed: '该业主已亲自投票，委托已失效，以业主本人的选票为准。',
    proxy_err_delegation_revoked: '该业主已撤销委托，选票未被接收。',
    proxy_err_instructions_not_followed: '选票与委托人的指示不一致，未被接收。请刷新本页后重新选择。',
    proxy_err_proxy_cap_exceeded: '你代为投票的业主人数已达上限，选票未被接收。',
  },
  en: {
    agree: 'Agree', oppose: 'Oppose', abstain: 'Abstain',
    missing: '{n} motion(s) still need a choice: choose agree, oppose or abstain for each.',
    noKey: 'This device holds no voting key of yours, so it cannot sign. Make a key on this device on the voting key page first.',
    otherKey: 'The key on this device is not your enrolled key (you may have made a new key on another device). Make a new key on this device on the voting key page.',
    keyOk: 'This device holds your voting key (fingerprint {fp}); it will sign with it.',
    noStorage: 'The key on this device cannot be read (private browsing?).',
    signing: 'Signing on this device…',
    sending: 'Sending the ballot…',
    checking: 'Checking the server\'s signature on the receipt…',
    received: 'Your ballot was received and recorded in the ledger (position {pos}).',
    serverOk: 'Verified: the receipt is signed by the server key and the signature is valid. The server cannot deny receiving your ballot.',
    serverBad: 'Warning: the server\'s signature on the receipt does NOT verify. Download the receipt and contact the owners\' committee or the street office.',
    serverUnknown: 'The server key could not be fetched, so the receipt is not verified yet. Download it and check later on the inclusion page.',
    hashMismatch: 'Warning: the ballot hash from the server differs from the one this device computed ({mine}). Download the receipt and contact the owners\' committee or the street office.',
    uncertain: 'The connection failed, so it is unknown whether the ballot arrived. Do not vote again yet: check the ledger with the link below first. Ballot hash: {hash}',
    checkLink: 'Check whether the ballot is in the ledger',
    err_bad_signature: 'The signature did not verify; the ballot was not accepted. Reload and retry; if it fails again, make a new key.',
    err_not_eligible: 'You are not on this meeting\'s roll and cannot vote.',
    err_window_not_open: 'Voting has not opened yet; the ballot was not accepted.',
    err_window_closed: 'Voting has closed; the ballot was not accepted.',
    err_already_voted: 'You have already voted. This meeting allows one ballot per owner; your earlier ballot stands.',
    err_replay: 'This ballot was already sent. Reload the page to see its state.',
    err_unknown_motion: 'The list of motions has changed. Reload the page and vote again.',
    err_wrong_meeting: 'The meeting has changed. Reload the page and vote again.',
    err_wrong_roll: 'The roll has changed. Reload the page and vote again.',
    err_stale_ballot: 'This device\'s clock is too far from the server\'s. Set the time to automatic and retry.',
    err_revoked_key: 'The key on this device was revoked (perhaps you made a new key elsewhere). Make a new key on the voting key page.',
    err_unknown_key: 'The key on this device is not enrolled to your account. Make a new key on the voting key page.',
    err_bad_request: 'The ballot was malformed and not accepted. Reload and retry.',
    err_csrf: 'The page has expired. Reload it and retry.',
    err_unauthorized: 'Your session has expired. Log in again to vote.',
    err_rate: 'Too many attempts. Please wait and retry.',
    err_other: 'Casting failed ({code}): {msg}',
    err_local: 'Could not build the ballot: {msg}',
    proxy_received: 'The ballot for this owner was received and recorded in the ledger (position {pos}).',
    proxy_serverOk: 'Verified: the receipt is signed by the server key and the signature is valid. The server cannot deny receiving this ballot.',
    proxy_err_not_eligible: 'You can no longer vote for this owner (the authorisation was revoked or not accepted). Reload the page.',
    proxy_err_already_voted: 'You have already voted for this owner. This meeting allows one ballot per owner; the earlier ballot stands.',
    proxy_err_delegation_lapsed: 'The owner has voted in person: the authorisation lapsed and their own ballot counts.',
    proxy_err_delegation_revoked: 'The owner revoked the authorisation; the ballot was not accepted.',
    proxy_err_instructions_not_followed: 'The ballot departs from the owner\'s instructions and was not accepted. Reload the page and choose again.',
    proxy_err_proxy_cap_exceeded: 'You already vote for as many owners as a proxy may; the ballot was not accepted.',
  },
});

const KEY_PROBLEM_CODES = new Set(['revoked_key', 'unknown_key', 'bad_signature']);

const settings = document.getElementById('ballot-settings')?.dataset;
const keyStatus = document.getElementById('key-status');
const keysLinkText = () => document.getElementById('key-status-link').textContent;

function checkUrl(hash) {
  return `${settings.checkUrl}?hash=${encodeURIComponent(hash)}`;
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
    showKeyProblem(t('noKey'), say);
    return null;
  }
  if (rec.key_id !== active) {
    showKeyProblem(t('otherKey'), say);
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
      word.textContent = t(choices[fs.dataset.motion]);
      li.append(title, word);
      list.append(li);
    }
    say('');
    form.hidden = true;
    if (heading) heading.hidden = true;
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
      ballot = buildBallot(context, choices);
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
        const link = KEY_PROBLEM_CODES.has(e.code) ? { href: settings.keysUrl, text: keysLinkText() } : null;
        say(errorText(e), 'error', link);
      } else {
        say(t('err_other', { code: '?', msg: String(e) }), 'error');
      }
      return;
    }
    await showReceipt({ ballot, signature, key, hash, receipt });
  }

  async function showReceipt({ ballot, signature, key, hash, receipt }) {
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

  $('review-button').hidden = false;
  form.addEventListener('submit', review);
  form.addEventListener('change', () => { if (form.querySelector('.is-missing')) readChoices(); });
  $('back-button').addEventListener('click', back);
  signButton.addEventListener('click', cast);
  $('download-button').addEventListener('click', download);
}

if (settings) {
  document.querySelectorAll('form[data-ballot]').forEach((form) => setupBallot(form.dataset.ballot));
  deviceKey();
}
