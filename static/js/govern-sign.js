// govern — signing in the browser: canonical JSON (RFC 8785), ballots, Ed25519 device keys.
//
// The private key is made on this device and never leaves it. Preferred: a WebCrypto Ed25519
// key pair created non-extractable and kept (as CryptoKey objects) in IndexedDB. Fallback, for
// browsers without WebCrypto Ed25519: @noble/ed25519 with the 32-byte seed kept in IndexedDB.
// See docs/signing-in-the-browser.md.

import canonicalize from '../vendor/canonicalize/canonicalize.js';
import * as noble from '../vendor/@noble/ed25519/index.js';

export const BALLOT_TYPE = 'govern.ballot.v1';
export const BALLOT_TYPE_V2 = 'govern.ballot.v2';
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
 * The ballot object for `context` (the page's ballot-context) and `choices`
 * ({motion id: "agree"|"oppose"|"abstain", or {"marks": [...]} for an election}, exactly one per motion of the
 * context): govern.ballot.v2 carrying the context's `agenda_hash` for a meeting whose notice bound an agenda,
 * else govern.ballot.v1.
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
    const marks = choices[m] && choices[m].marks; // an election's choice (#14): {"marks": [candidate ids]}
    if (Array.isArray(marks) && marks.every((id) => typeof id === 'string')) {
      out[m] = { marks: [...marks] };
      continue;
    }
    if (!CHOICES.includes(choices[m])) throw new Error(`bad choice for motion ${m}`);
    out[m] = choices[m];
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(issuedAt)) throw new Error('issued_at must be RFC 3339 UTC without fractions');
  b64urlDecode(nonce, NONCE_BYTES);
  const v2 = context.agenda_hash !== undefined && context.agenda_hash !== null;
  if (v2 && !/^[0-9a-f]{64}$/.test(context.agenda_hash)) throw new Error('ballot context has a malformed agenda_hash');
  const ballot = {
    type: v2 ? BALLOT_TYPE_V2 : BALLOT_TYPE,
    community: context.community,
    meeting: context.meeting,
    roll_hash: context.roll_hash,
    voter: context.voter,
    choices: out,
    issued_at: issuedAt,
    nonce,
  };
  if (v2) ballot.agenda_hash = context.agenda_hash;
  return ballot;
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

export const KEY_PROOF_TYPE = 'govern.key.v1';

/**
 * The body of POST /api/v1/keys for a device key `record` (from generateDeviceKey) and the caller's
 * account id: {public_key, issued_at, proof[, password]}. `proof` is the key's own signature over the
 * RFC 8785 bytes of {type: "govern.key.v1", account, public_key, issued_at} (govern.core.keyproof); the
 * server refuses it when issued_at is more than 10 minutes from its clock. Every enrolment builds its
 * request here (the keys page, and the ballot page when it enrols inline).
 */
export async function keyEnrolmentBody(record, account, { password, issuedAt = rfc3339() } = {}) {
  const proofObject = { type: KEY_PROOF_TYPE, account: String(account), public_key: record.publicKey, issued_at: issuedAt };
  const body = { public_key: record.publicKey, issued_at: issuedAt, proof: await signBytes(record, canonicalBytes(proofObject)) };
  if (password !== undefined) body.password = password;
  return body;
}

// ------------------------------------------------------------------ strict Ed25519 (as govern.core.keys)
//
// Before any signature is trusted, A (the public key) and R (the signature's first half) must be
// canonical encodings (y < p) and not one of the 14 encodings of the small-order points (the
// list libsodium blocks); S must be below L. These are byte comparisons. Then the cofactorless
// equation [S]B = R + [k]A: WebCrypto (Chromium's BoringSSL) checks it exactly; @noble/ed25519's
// own verify uses the cofactored equation, so with noble the equation is checked here with its
// point arithmetic. docs/signatures.md gives the rules and the twelve test vectors.

const FIELD_P = 2n ** 255n - 19n;
const ORDER_L = 2n ** 252n + 27742317777372353535851937790883648493n;
const Y_MASK = (1n << 255n) - 1n;
/** y (little-endian hex, sign bit clear) of the small-order points, and y = p, p + 1 (non-canonical). */
const SMALL_ORDER_Y = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
];
/** The 14 encodings (hex) of the small-order points: each y with the sign bit clear and set. */
export const SMALL_ORDER_ENCODINGS = Object.freeze(SMALL_ORDER_Y.flatMap((y) => [
  y, y.slice(0, 62) + (parseInt(y.slice(62), 16) | 0x80).toString(16).padStart(2, '0'),
]));
const SMALL_ORDER = new Set(SMALL_ORDER_ENCODINGS);

function numberLE(bytes) {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]);
  return n;
}

/** 'small_order', 'non_canonical' or null for a 32-byte point encoding (byte comparisons only). */
export function pointProblem(bytes) {
  if (SMALL_ORDER.has(toHex(bytes))) return 'small_order';
  if ((numberLE(bytes) & Y_MASK) >= FIELD_P) return 'non_canonical';
  return null;
}

async function webCryptoEquation(pub, sig, bytes) {
  const key = await crypto.subtle.importKey('raw', pub, { name: 'Ed25519' }, false, ['verify']);
  return crypto.subtle.verify({ name: 'Ed25519' }, key, sig, bytes);
}

/** [S]B = R + [k]A exactly (no cofactor), with k = SHA-512(R || A || M) mod L over the bytes as given. */
async function nobleEquation(pub, sig, bytes) {
  const r = sig.subarray(0, 32);
  const A = noble.Point.fromBytes(pub, false); // throws if no point has this y
  const R = noble.Point.fromBytes(r, false);
  const hashed = new Uint8Array(64 + bytes.length);
  hashed.set(r, 0);
  hashed.set(pub, 32);
  hashed.set(bytes, 64);
  const k = numberLE(new Uint8Array(await crypto.subtle.digest('SHA-512', hashed))) % ORDER_L;
  const SB = noble.Point.BASE.multiply(numberLE(sig.subarray(32)), false);
  return SB.equals(R.add(A.multiply(k, false)));
}

/**
 * Why `sigB64` is not a strict Ed25519 signature of `bytes` by `publicB64`, or null if it is.
 * Reasons as govern.core.keys.signature_problem: bad_key, weak_key, bad_signature_encoding, weak_r,
 * s_not_reduced, invalid. `engine`: 'webcrypto' or 'noble' to force one (tests); by default
 * WebCrypto where the browser has Ed25519, else noble. Never throws.
 */
export async function signatureProblem(publicB64, bytes, sigB64, { engine } = {}) {
  let pub;
  let sig;
  try {
    pub = b64urlDecode(publicB64, 32);
  } catch (e) {
    return 'bad_key';
  }
  if (pointProblem(pub) !== null) return 'weak_key';
  try {
    sig = b64urlDecode(sigB64, 64);
  } catch (e) {
    return 'bad_signature_encoding';
  }
  if (pointProblem(sig.subarray(0, 32)) !== null) return 'weak_r';
  if (numberLE(sig.subarray(32)) >= ORDER_L) return 's_not_reduced';
  const message = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const use = engine || ((await hasWebCryptoEd25519()) ? 'webcrypto' : 'noble');
  try {
    const ok = use === 'webcrypto' ? await webCryptoEquation(pub, sig, message) : await nobleEquation(pub, sig, message);
    return ok ? null : 'invalid';
  } catch (e) {
    return 'invalid';
  }
}

/** True iff `sigB64` is a strict Ed25519 signature of `bytes` by `publicB64` (see signatureProblem). Never throws. */
export async function verifyBytes(publicB64, bytes, sigB64, options = {}) {
  return (await signatureProblem(publicB64, bytes, sigB64, options)) === null;
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

