// The operator dashboard's page script, last of the scripts served as
// /dashboard/assets/dashboard.js (after uPlot, page-kit.js, fleet-panel.js and traffic-panels.js):
// the sign-in form, polling, and sign-out.
(() => {
  const { byId, errorMessage, clock, renderFleet, renderStats } = globalThis.spillwayDashboard;
  /** How often the page reads the admin API. */
  const POLL_MS = 1500;

  function setUpSignIn(form) {
    const error = byId('sign-in-error');
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const token = String(new FormData(form).get('token') ?? '').trim();
      error.hidden = true;
      const response = await fetch('/dashboard/session', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token }),
        credentials: 'same-origin',
      }).catch(() => null);
      if (response?.ok) {
        location.replace('/dashboard');
        return;
      }
      error.textContent = response ? await errorMessage(response) : 'the edge did not answer';
      error.hidden = false;
    });
  }

  // ---- polling ------------------------------------------------------------------------------

  async function readJson(path) {
    const response = await fetch(path, { credentials: 'same-origin', cache: 'no-store' });
    if (response.status === 401) {
      // The session ended (expired, or its token was revoked): the page shows the sign-in form.
      location.replace('/dashboard');
      return { ok: false };
    }
    if (!response.ok) return { ok: false, status: response.status };
    return { ok: true, body: await response.json() };
  }

  async function poll() {
    const status = byId('updated');
    try {
      const [pools, stats] = await Promise.all([
        readJson('/v1/admin/pools'),
        readJson('/v1/admin/stats').catch(() => ({ ok: false })),
      ]);
      if (pools.ok) {
        renderFleet(pools.body.data);
        status.textContent = `updated ${clock(Date.now())}`;
        status.className = 'muted';
      } else {
        status.textContent = `the admin API answered ${pools.status ?? 'nothing'}`;
        status.className = 'error';
      }
      renderStats(stats.ok ? stats.body : null);
    } catch {
      status.textContent = 'the edge did not answer; retrying';
      status.className = 'error';
    }
    setTimeout(poll, POLL_MS);
  }

  function startDashboard() {
    byId('sign-out').addEventListener('click', async () => {
      await fetch('/dashboard/session', { method: 'DELETE', credentials: 'same-origin' }).catch(() => null);
      location.replace('/dashboard');
    });
    const expiresAt = Number(document.body.dataset.expiresAt) * 1000;
    if (Number.isFinite(expiresAt))
      setTimeout(() => location.replace('/dashboard'), Math.max(0, expiresAt - Date.now()));
    void poll();
  }

  const form = byId('sign-in');
  if (form) setUpSignIn(form);
  else if (document.body.classList.contains('dashboard')) startDashboard();
})();
