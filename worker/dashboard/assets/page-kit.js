// The dashboard page's shared helpers (first of its scripts, after uPlot). Every value from the
// API reaches the page through textContent or attributes, never through HTML strings.
(() => {
  globalThis.spillwayDashboard ??= {};
  const kit = globalThis.spillwayDashboard;
  const byId = (id) => document.getElementById(id);

  /**
   * An element with a class and content, then children appended in order. `content` is text, or
   * a node appended as it is (a table cell holding a meter), never stringified.
   */
  function element(tag, className, content, ...children) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (content instanceof Node) node.append(content);
    else if (content !== undefined && content !== null) node.textContent = String(content);
    for (const child of children) node.append(child);
    return node;
  }

  async function errorMessage(response) {
    try {
      const body = await response.json();
      return body?.error?.message ?? `HTTP ${response.status}`;
    } catch {
      return `HTTP ${response.status}`;
    }
  }

  // ---- formatting ---------------------------------------------------------------------------

  const number = (value, digits = 0) =>
    value === null || value === undefined ? '–' : Number(value).toFixed(digits);
  const clock = (epochMs) => new Date(epochMs).toLocaleTimeString();
  const age = (epochMs) =>
    epochMs === null ? 'never' : `${Math.max(0, (Date.now() - epochMs) / 1000).toFixed(1)} s ago`;

  /** A table; each cell is text or a node (`element`'s content). */
  function table(headings, rows) {
    const head = element('tr', null, null, ...headings.map((heading) => element('th', null, heading)));
    const body = rows.map((cells) =>
      element('tr', null, null, ...cells.map((cell) => element('td', null, cell))),
    );
    return element(
      'table',
      null,
      null,
      element('thead', null, null, head),
      element('tbody', null, null, ...body),
    );
  }

  function panel(id, content) {
    const node = byId(id);
    node.className = content ? '' : 'no-data';
    node.replaceChildren(content ?? 'no data');
  }

  Object.assign(kit, { byId, element, errorMessage, number, clock, age, table, panel });
})();
