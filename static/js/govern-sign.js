// govern — signing in the browser: canonical JSON (RFC 8785), ballots, Ed25519 device keys.
//
// The private key is made on this device and never leaves it. Preferred: a WebCrypto Ed25519
// key pair created non-extractable and kept (as CryptoKey objects) in IndexedDB. Fallback, for
// browsers without WebCrypto Ed25519: @noble/ed25519 with the 32-byte seed kept in IndexedDB.
// See docs/signing-in-the-browser.md.

import canonicalize from '../vendor/canonicalize/canonicalize.js';
import * as noble from '../vendor/@noble/ed25519/index.js';

export const BALLOT_TYPE = 'govern.ballot.v1';
export const RECEIPT_TYPE = 'govern.receipt.v1';
export const CHOICES = Object.freeze(['agree', 'oppose', 'abstain']);
const NONCE_BYTES = 16;

// ------------------------------------------------------------------ base64url, hex, hashes

export function b64urlEncode(bytes) {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let bin = '';
  for (let i = 0; i < u8.length; i++) bin += String.fromCharCode(u8[i]);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Strict: only the URL-safe alphabet, no padding, canonical spelling, optional exact length. */
export function b64urlDecode(text, length) {
  if (typeof text !== 'string' || !/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) {
    throw new Error('not unpadded base64url');
  }
  const padded = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  const bin = atob(padded);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  if (b64urlEncode(out) !== text) throw new Error('non-canonical base64url');
  if (length !== undefined && out.length !== length) throw new Error(`expected ${length} bytes`);
  return out;
}

export function toHex(bytes) {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
}

export async function sha256Hex(bytes) {
  return toHex(await crypto.subtle.digest('SHA-256', bytes));
}

// ------------------------------------------------------------------ canonical JSON

function refuseNonIntegers(value) {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new TypeError('only safe integers may be signed, no floats');
  } else if (Array.isArray(value)) {
    value.forEach(refuseNonIntegers);
  } else if (value !== null && typeof value === 'object') {
    Object.values(value).forEach(refuseNonIntegers);
  } else if (!['string', 'boolean'].includes(typeof value) && value !== null) {
    throw new TypeError('not a JSON value');
  }
}

/** RFC 8785 canonical text of a JSON object whose numbers are integers (as govern.core.canonical). */
export function canonicalText(obj) {
  refuseNonIntegers(obj);
  return canonicalize(obj);
}

/** The canonical UTF-8 bytes that are signed and hashed. */
export function canonicalBytes(obj) {
  return new TextEncoder().encode(canonicalText(obj));
}

// ------------------------------------------------------------------ ballots and receipts

/** RFC 3339 UTC with a Z and no fractional seconds: 2026-11-27T01:02:03Z. */
export function rfc3339(date = new Date()) {
  return date.toISOString().replace(/\.\d+Z$/, 'Z');
}

export function newNonce() {
  return b64urlEncode(crypto.getRandomValues(new Uint8Array(NONCE_BYTES)));
}

/**
 * The govern.ballot.v1 object for `context` (the page's ballot-context) and `choices`
 * ({motion id: "agree"|"oppose"|"abstain"}, exactly one per motion of the context).
 */
export function buildBallot(context, choices, { issuedAt = rfc3339(), nonce = newNonce() } = {}) {
  for (const field of ['community', 'meeting', 'roll_hash', 'voter']) {
    if (typeof context[field] !== 'string' || !context[field]) throw new Error(`ballot context lacks ${field}`);
  }
  const motions = (context.motions || []).map(String);
  const given = Object.keys(choices);
  const missing = motions.filter((m) => !(m in choices));
  const extra = given.filter((m) => !motions.includes(m));
  if (missing.length || extra.length) throw new Error(`choices must cover exactly the motions (missing ${missing}, extra ${extra})`);
  const out = {};
  for (const m of motions) {
    if (!CHOICES.includes(choices[m])) throw new Error(`bad choice for motion ${m}`);
    out[m] = choices[m];
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(issuedAt)) throw new Error('issued_at must be RFC 3339 UTC without fractions');
  b64urlDecode(nonce, NONCE_BYTES);
  return {
    type: BALLOT_TYPE,
    community: context.community,
    meeting: context.meeting,
    roll_hash: context.roll_hash,
    voter: context.voter,
    choices: out,
    issued_at: issuedAt,
    nonce,
  };
}

export function receiptObject(meeting, position, ballotHash, chainHash) {
  return { type: RECEIPT_TYPE, meeting: String(meeting), position, ballot_hash: ballotHash, chain_hash: chainHash };
}

/** "3f2a 9c01 77be 04d5": first 16 hex digits of SHA-256 of the raw public key (as govern.core.keys). */
export async function fingerprint(publicB64) {
  const hex = (await sha256Hex(b64urlDecode(publicB64, 32))).slice(0, 16);
  return hex.match(/.{4}/g).join(' ');
}

// ------------------------------------------------------------------ Ed25519

let webCryptoEd25519 = null;

/** Does this browser do Ed25519 in WebCrypto? (Checked once by generating a throw-away key.) */
export async function hasWebCryptoEd25519() {
  if (webCryptoEd25519 === null) {
    try {
      await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
      webCryptoEd25519 = true;
    } catch (e) {
      webCryptoEd25519 = false;
    }
  }
  return webCryptoEd25519;
}

/**
 * A new key pair for this device: {kind, publicKey (b64url raw), privateKey/publicKeyObj (CryptoKey) | seed}.
 * kind "webcrypto": the private key is a non-extractable CryptoKey. kind "noble": a 32-byte seed.
 */
export async function generateDeviceKey() {
  if (await hasWebCryptoEd25519()) {
    const pair = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
    const raw = await crypto.subtle.exportKey('raw', pair.publicKey); // the public half only
    return { kind: 'webcrypto', publicKey: b64urlEncode(raw), privateKey: pair.privateKey, publicKeyObj: pair.publicKey };
  }
  const seed = noble.utils.randomSecretKey();
  const pub = await noble.getPublicKeyAsync(seed);
  return { kind: 'noble', publicKey: b64urlEncode(pub), seed };
}

/** Ed25519 signature (b64url) of `bytes` by a stored device key. */
export async function signBytes(record, bytes) {
  if (record.kind === 'webcrypto') {
    return b64urlEncode(await crypto.subtle.sign({ name: 'Ed25519' }, record.privateKey, bytes));
  }
  if (record.kind === 'noble') {
    return b64urlEncode(await noble.signAsync(bytes, new Uint8Array(record.seed)));
  }
  throw new Error('unknown key kind');
}

/** True iff `sigB64` is an Ed25519 signature of `bytes` by `publicB64`. Never throws. */
export async function verifyBytes(publicB64, bytes, sigB64) {
  let pub;
  let sig;
  try {
    pub = b64urlDecode(publicB64, 32);
    sig = b64urlDecode(sigB64, 64);
  } catch (e) {
    return false;
  }
  if (await hasWebCryptoEd25519()) {
    try {
      const key = await crypto.subtle.importKey('raw', pub, { name: 'Ed25519' }, false, ['verify']);
      return await crypto.subtle.verify({ name: 'Ed25519' }, key, sig, bytes);
    } catch (e) {
      return false;
    }
  }
  try {
    return await noble.verifyAsync(sig, bytes, pub, { zip215: false }); // strict RFC 8032, like the server
  } catch (e) {
    return false;
  }
}

// ------------------------------------------------------------------ IndexedDB key store

const DB_NAME = 'govern-keys';
const STORE = 'keys';

function openDb() {
  return new Promise((resolve, reject) => {
    if (!('indexedDB' in globalThis)) { reject(new Error('no IndexedDB')); return; }
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function tx(mode, fn) {
  const db = await openDb();
  try {
    return await new Promise((resolve, reject) => {
      const t = db.transaction(STORE, mode);
      const req = fn(t.objectStore(STORE));
      t.oncomplete = () => resolve(req ? req.result : undefined);
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error || new Error('aborted'));
    });
  } finally {
    db.close();
  }
}

/** Stored key records are keyed by account: "user:<id>" (the enrolled key) and "user:<id>:pending". */
export function storeKeyName(userId, pending = false) {
  return `user:${userId}${pending ? ':pending' : ''}`;
}

export function loadKey(name) {
  return tx('readonly', (s) => s.get(name));
}

export function saveKey(name, record) {
  return tx('readwrite', (s) => s.put(record, name));
}

export function deleteKey(name) {
  return tx('readwrite', (s) => s.delete(name));
}

// ------------------------------------------------------------------ JSON API

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code;
  }
}

export async function api(method, url, body) {
  const meta = document.querySelector('meta[name="csrf-token"]');
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (meta) headers['X-CSRFToken'] = meta.content;
  let resp;
  try {
    resp = await fetch(url, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, 'network', String(e));
  }
  let data = null;
  try { data = await resp.json(); } catch (e) { data = null; }
  if (!resp.ok) {
    const err = (data && data.error) || {};
    throw new ApiError(resp.status, err.code || null, err.message || null);
  }
  return data;
}

// ------------------------------------------------------------------ small i18n

/** t(key, vars): the page's text for key, {name} placeholders filled from vars; the key itself when unknown. */
export function translator() {
  // The page's strings come from the gettext catalogs: base.html renders them, already in the page's
  // language, into <script type="application/json" id="i18n"> (templates/meetings/_i18n.html).
  const el = document.getElementById('i18n');
  const dict = el ? JSON.parse(el.textContent || '{}') : {};
  return (key, vars = {}) => {
    const text = dict[key] || key;
    return text.replace(/\{(\w+)\}/g, (_, k) => (k in vars ? String(vars[k]) : `{${k}}`));
  };
}

