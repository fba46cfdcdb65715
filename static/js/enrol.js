// govern — make an Ed25519 key pair on this device and enrol its public half (the keys page and,
// inline, the ballot page when the device holds no usable key). The private key never leaves the device.
import {
  api, ApiError, deleteKey, fingerprint, generateDeviceKey, keyEnrolmentBody, saveKey, storeKeyName,
} from './govern-sign.js';

export class StorageError extends Error {}

/** Make a key, enrol it with the login password and its proof of possession (govern.key.v1), keep it on this
 * device; returns the stored record. */
export async function enrolDeviceKey({ userId, enrolUrl, password, onStep = () => {} }) {
  onStep('working');
  const key = await generateDeviceKey();
  const record = { ...key, fingerprint: await fingerprint(key.publicKey), created_at: new Date().toISOString(), key_id: null };
  try {
    // Kept aside until the server has accepted it, so a failed attempt never loses the working key.
    await saveKey(storeKeyName(userId, true), record);
  } catch (e) {
    throw new StorageError(String(e));
  }
  onStep('sending');
  const answer = await api('POST', enrolUrl, await keyEnrolmentBody(key, userId, { password }));
  record.key_id = answer.key_id;
  if (answer.fingerprint) record.fingerprint = answer.fingerprint;
  await saveKey(storeKeyName(userId), record);
  await deleteKey(storeKeyName(userId, true));
  return record;
}

/** The message key (for the page's `key_*` strings) and variables explaining why enrolment failed. */
export function enrolProblem(e) {
  if (e instanceof StorageError) return ['noStorage', {}];
  if (e instanceof ApiError) {
    if (e.status === 401 || e.status === 403) return ['wrongPassword', {}];
    if (e.code === 'bad_key' || e.code === 'weak_key' || e.code === 'bad_proof') return ['badKey', {}];
    if (e.code === 'stale_proof') return ['clock', {}];
    if (e.status === 429) return ['rateLimited', {}];
    if (e.code === 'network') return ['network', {}];
    return ['failed', { msg: e.message }];
  }
  return ['failed', { msg: String(e && e.message ? e.message : e) }];
}
