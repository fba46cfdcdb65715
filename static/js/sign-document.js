// Sign a document shown on the page (its exact RFC 8785 bytes) with the key kept on this device,
// then submit the form. Used by the minutes approval and committee-minutes signature forms.
// The private key never leaves the device: only the signature and the public key id are posted.
import { loadKey, signBytes, storeKeyName } from './govern-sign.js';

for (const form of document.querySelectorAll('form[data-sign-document]')) {
  const source = document.getElementById(form.dataset.document);
  const button = form.querySelector('button[data-sign-with-device]');
  const status = form.querySelector('[data-sign-status]');
  if (!source || !button) continue;
  button.hidden = false;
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const record = await loadKey(storeKeyName(form.dataset.user));
      if (!record || !record.key_id) {
        status.textContent = form.dataset.msgNoKey;
        return;
      }
      const bytes = new TextEncoder().encode(source.textContent);
      form.querySelector('[name=signature]').value = await signBytes(record, bytes);
      form.querySelector('[name=key_id]').value = record.key_id;
      status.textContent = form.dataset.msgSigned;
      form.submit();
    } catch (err) {
      status.textContent = form.dataset.msgFailed;
    } finally {
      button.disabled = false;
    }
  });
}
