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
