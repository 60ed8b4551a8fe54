// The fleet panel: pools grouped by provider and region, each with its health badge and uPlot
// charts of the history this page has polled.
(() => {
  globalThis.spillwayDashboard ??= {};
  const kit = globalThis.spillwayDashboard;
  const { byId, element, number, age } = kit;
  /** How much history each pool's charts keep. */
  const HISTORY_MS = 5 * 60_000;
  /** Contract 1: without a `health` field, telemetry older than this reads as stale. */
  const STALE_AFTER_MS = 5_000;
  const HEALTH_ORDER = ['ejected', 'suspect', 'stale', 'not_ready', 'draining', 'disabled', 'healthy'];

  function healthOf(pool) {
    if (pool.health) return pool.health;
    if (!pool.enabled) return 'disabled';
    if (pool.draining) return 'draining';
    const receivedAt = pool.telemetry_received_at;
    return receivedAt === null || Date.now() - receivedAt > STALE_AFTER_MS ? 'stale' : 'healthy';
  }

  // ---- per pool history and charts ----------------------------------------------------------

  const history = new Map();
  const cards = new Map();

  function record(pool) {
    const at = pool.telemetry_received_at;
    let series = history.get(pool.id);
    if (!series) {
      series = { t: [], queued: [], running: [], work: [], jobMs: [] };
      history.set(pool.id, series);
    }
    const now = Date.now() / 1000;
    const telemetry = pool.telemetry;
    // A pool that stopped reporting shows gaps, not its last figures repeated.
    const fresh = telemetry && at !== null && Date.now() - at <= STALE_AFTER_MS;
    series.t.push(now);
    series.queued.push(fresh ? telemetry.queued : null);
    series.running.push(fresh ? telemetry.running : null);
    series.work.push(fresh ? (telemetry.work?.queued ?? null) : null);
    series.jobMs.push(fresh ? telemetry.ewma_job_ms : null);
    while (series.t.length > 0 && (series.t[0] ?? now) < now - HISTORY_MS / 1000) {
      for (const values of Object.values(series)) values.shift();
    }
    return series;
  }

  function chart(container, title, series) {
    const width = Math.max(240, container.clientWidth || 300);
    return new uPlot(
      {
        title,
        width,
        height: 120,
        cursor: { show: false },
        legend: { show: true, live: false },
        scales: { x: { time: true } },
        series: [{}, ...series.map((line) => ({ spanGaps: false, width: 1.5, ...line }))],
        axes: [
          { stroke: '#6b7785', grid: { stroke: '#eef1f4' } },
          { stroke: '#6b7785', grid: { stroke: '#eef1f4' }, scale: series[0]?.scale ?? 'y', size: 44 },
          ...(series[1]?.scale && series[1].scale !== series[0]?.scale
            ? [{ stroke: '#6b7785', scale: series[1].scale, side: 1, grid: { show: false }, size: 48 }]
            : []),
        ],
      },
      [[], ...series.map(() => [])],
      container,
    );
  }

  /** A chart's container: the canvas has no text, so the container names what it draws. */
  function chartBox(label) {
    const box = element('div', 'chart');
    box.setAttribute('role', 'img');
    box.setAttribute('aria-label', label);
    return box;
  }

  function newCard(pool) {
    const badge = element('span', 'badge');
    const figures = element('dl', 'figures');
    const recent = `last ${HISTORY_MS / 60_000} minutes`;
    const loadChart = chartBox(`Queued and running images of pool ${pool.id}, ${recent}`);
    const workChart = chartBox(
      `Queued work (megapixel-steps) and job time (ms) of pool ${pool.id}, ${recent}`,
    );
    const node = element(
      'article',
      'pool',
      null,
      element('header', null, null, element('strong', null, pool.id), badge),
      figures,
      loadChart,
      workChart,
    );
    node.dataset.poolId = pool.id;
    const card = { node, badge, figures, load: null, work: null, loadChart, workChart };
    cards.set(pool.id, card);
    return card;
  }

  function figure(list, term, value) {
    list.append(element('dt', null, term), element('dd', null, value));
  }

  function updateCard(card, pool, series) {
    const health = healthOf(pool);
    card.node.dataset.health = health;
    card.node.className = `pool health-${health}`;
    card.badge.textContent = health;
    const telemetry = pool.telemetry;
    card.figures.replaceChildren();
    figure(
      card.figures,
      'slots',
      telemetry ? `${telemetry.running}/${telemetry.slots} running` : `${pool.capacity}`,
    );
    figure(card.figures, 'queued', telemetry ? telemetry.queued : '–');
    figure(card.figures, 'work queued', number(telemetry?.work?.queued, 1));
    figure(
      card.figures,
      'job time',
      telemetry?.ewma_job_ms == null ? '–' : `${number(telemetry.ewma_job_ms)} ms`,
    );
    figure(card.figures, 'engine', telemetry?.execution_provider ?? '–');
    figure(card.figures, 'models', pool.models.join(', '));
    figure(card.figures, 'price', pool.price_per_image == null ? '–' : `$${pool.price_per_image}/image`);
    figure(card.figures, 'telemetry', age(pool.telemetry_received_at));
    if (card.load === null && card.node.isConnected) {
      card.load = chart(card.loadChart, 'images', [
        { label: 'queued', stroke: '#d9822b', scale: 'images' },
        { label: 'running', stroke: '#2b7bd9', scale: 'images' },
      ]);
      card.work = chart(card.workChart, 'work and latency', [
        { label: 'work queued (MP·steps)', stroke: '#7b4fd9', scale: 'work' },
        { label: 'job ms', stroke: '#2f9e44', scale: 'ms' },
      ]);
    }
    card.load?.setData([series.t, series.queued, series.running]);
    card.work?.setData([series.t, series.work, series.jobMs]);
  }

  /** The container of one provider and region, created in order on first use. */
  function regionBox(fleet, providerId, region) {
    let provider = fleet.querySelector(`section.provider[data-provider="${CSS.escape(providerId)}"]`);
    if (!provider) {
      provider = element('section', 'provider', null, element('h3', null, `provider ${providerId}`));
      provider.dataset.provider = providerId;
      fleet.append(provider);
    }
    let box = provider.querySelector(`div.region[data-region="${CSS.escape(region)}"] > .pools`);
    if (!box) {
      box = element('div', 'pools');
      const wrapper = element('div', 'region', null, element('h4', null, `region ${region}`), box);
      wrapper.dataset.region = region;
      provider.append(wrapper);
    }
    return box;
  }

  function renderFleet(pools) {
    const fleet = byId('fleet');
    fleet.querySelector(':scope > p')?.remove();
    if (pools.length === 0) fleet.replaceChildren(element('p', 'muted', 'no pools registered'));
    const sorted = [...pools].sort(
      (a, b) =>
        a.provider_id.localeCompare(b.provider_id) ||
        a.region.localeCompare(b.region) ||
        a.id.localeCompare(b.id),
    );
    for (const pool of sorted) {
      const card = cards.get(pool.id) ?? newCard(pool);
      const box = regionBox(fleet, pool.provider_id, pool.region);
      if (card.node.parentElement !== box) box.append(card.node);
      updateCard(card, pool, record(pool));
    }
    const listed = new Set(pools.map((pool) => pool.id));
    for (const [id, card] of cards) {
      if (listed.has(id)) continue;
      card.load?.destroy();
      card.work?.destroy();
      card.node.remove();
      cards.delete(id);
      history.delete(id);
    }
    for (const region of fleet.querySelectorAll('div.region'))
      if (!region.querySelector('.pool')) region.remove();
    for (const provider of fleet.querySelectorAll('section.provider'))
      if (!provider.querySelector('.pool')) provider.remove();
    renderSummary(pools);
  }

  function renderSummary(pools) {
    const counts = new Map();
    for (const pool of pools) counts.set(healthOf(pool), (counts.get(healthOf(pool)) ?? 0) + 1);
    const summary = byId('summary');
    summary.replaceChildren(element('span', 'count', `${pools.length} pools`));
    for (const health of HEALTH_ORDER) {
      const count = counts.get(health);
      if (count) summary.append(element('span', `badge health-${health}`, `${count} ${health}`));
    }
  }

  Object.assign(kit, { renderFleet });
})();
