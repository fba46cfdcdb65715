// Site-wide behaviour loaded by every page (templates/base.html).
// Large-text mode (for elderly owners, after the MIIT guidance): one tap in the header switches it; a cookie remembers it, and the
// server renders <html class="large-text"> from that cookie, so it applies before the first paint.
(() => {
  const COOKIE = 'govern_large_text';
  const button = document.getElementById('large-text-toggle');
  if (!button) return;
  button.hidden = false;
  button.addEventListener('click', () => {
    const on = !document.documentElement.classList.contains('large-text');
    document.documentElement.classList.toggle('large-text', on);
    button.setAttribute('aria-pressed', on ? 'true' : 'false');
    const secure = location.protocol === 'https:' ? '; Secure' : '';
    document.cookie = `${COOKIE}=${on ? '1' : '0'}; Path=/; Max-Age=${on ? 31536000 : 0}; SameSite=Lax${secure}`;
  });
})();

// A PDF link (same site, path ending in .pdf) can take a few seconds the first time the PDF is made: say so at
// once. The status page that may answer refreshes itself (templates/pdf/status.html); Back hides the note.
(() => {
  const note = document.getElementById('pdf-wait');
  if (!note) return;
  document.addEventListener('click', (event) => {
    const link = event.target.closest && event.target.closest('a[href]');
    if (!link || link.target === '_blank' || event.defaultPrevented || event.button !== 0
        || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const url = new URL(link.href, location.href);
    if (url.origin !== location.origin || !url.pathname.endsWith('.pdf')) return;
    note.hidden = false;
  });
  window.addEventListener('pageshow', () => { note.hidden = true; });
})();
