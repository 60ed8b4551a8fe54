// The traffic panels, from `GET /v1/admin/stats` (requests and sheds by tier, routing mix,
// errors); each panel says "no data" while the endpoint is missing or empty.
(() => {
  globalThis.spillwayDashboard ??= {};
  const kit = globalThis.spillwayDashboard;
  const { element, clock, table, panel } = kit;

  function renderStats(stats) {
    if (!stats) {
      for (const id of ['tiers', 'routing', 'errors', 'recent-errors']) panel(id, null);
      return;
    }
    for (const label of document.querySelectorAll('[data-window]'))
      label.textContent = `last ${stats.window_s} s`;
    const tiers = Object.entries(stats.requests_by_tier ?? {});
    panel(
      'tiers',
      tiers.length === 0
        ? null
        : table(
            ['tier', 'requests', 'ok', 'shed', 'errors'],
            tiers.map(([tier, counts]) => [tier, counts.requests, counts.ok, counts.shed, counts.errors]),
          ),
    );
    const routing = stats.routing ?? [];
    const total = routing.reduce((sum, entry) => sum + entry.requests, 0);
    panel(
      'routing',
      total === 0
        ? null
        : table(
            ['pool', 'provider', 'requests', 'hedged', 'share'],
            routing.map((entry) => {
              const share = element('meter');
              share.max = total;
              share.value = entry.requests;
              const cell = element('span', 'share', ` ${((100 * entry.requests) / total).toFixed(0)} %`);
              cell.prepend(share);
              return [entry.pool_id, entry.provider_id, entry.requests, entry.hedged, cell];
            }),
          ),
    );
    const errors = Object.entries(stats.errors_by_type ?? {}).sort((a, b) => b[1] - a[1]);
    panel('errors', errors.length === 0 ? null : table(['code', 'count'], errors));
    const recent = stats.recent_errors ?? [];
    panel(
      'recent-errors',
      recent.length === 0
        ? null
        : table(
            ['at', 'code', 'status', 'pool', 'request id'],
            recent.map((entry) => [
              clock(entry.at),
              entry.code,
              entry.status,
              entry.pool_id ?? '–',
              entry.request_id,
            ]),
          ),
    );
  }

  Object.assign(kit, { renderStats });
})();
