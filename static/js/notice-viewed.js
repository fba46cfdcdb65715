// The read receipt of a notice: sent once the page is shown, as a POST (a GET never writes).
// Without JavaScript the page offers a "Mark as read" button posting the same form.
(function () {
  'use strict';
  const form = document.querySelector('form[data-notice-viewed]');
  if (!form) return;
  fetch(form.action, {
    method: 'POST',
    body: new FormData(form),
    headers: { Accept: 'application/json' },
    credentials: 'same-origin',
  }).then(function (resp) {
    if (resp.ok) {
      form.hidden = true;
    }
  }).catch(function () { /* the button stays: the reader can send it by hand */ });
})();
