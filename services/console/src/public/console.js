// The console page: one ES module, no build step. Everything shown comes from the console's
// admin-only /api routes; user data is only ever inserted as text, never as HTML.
import { topologySvg } from './topology.js';

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = 'console-token';
const LAG_HISTORY = 90;

/** Builds an element; strings become text nodes. */
function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null) node.append(c);
  return node;
}

const fmt = (n) => (n === null || n === undefined ? '–' : Number(n).toLocaleString('en-US'));
const json = (v) => JSON.stringify(v, null, 2);

const state = {
  token: '',
  socket: undefined,
  topology: [],
  lagHistory: new Map(),
  scan: { service: '', table: '', from: '', to: '', limit: 20, next: null },
  watching: new Set(),
};

function setConnection(text, kind) {
  const c = $('connection');
  c.textContent = text;
  c.className = kind ?? '';
}

async function api(path) {
  const res = await fetch(path, { headers: { authorization: `Bearer ${state.token}` } });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.message ?? `${res.status} ${res.statusText}`);
  return body;
}

function failure(answer) {
  return h('p', { class: 'error' }, `${answer.service}: ${answer.error}`);
}

// ---------- tabs (arrow keys between tabs, 1–4 anywhere outside a field) ----------

const tabs = () => [...document.querySelectorAll('[role="tab"]')];

function selectTab(tab, focus = true) {
  for (const t of tabs()) {
    const selected = t === tab;
    t.setAttribute('aria-selected', String(selected));
    t.tabIndex = selected ? 0 : -1;
    $(t.getAttribute('aria-controls')).hidden = !selected;
  }
  if (focus) tab.focus();
  if (tab.id === 'tab-dead-letters' && state.token) void loadDeadLetters();
}

function setupTabs() {
  for (const t of tabs()) t.addEventListener('click', () => selectTab(t));
  $('tabs').addEventListener('keydown', (e) => {
    const list = tabs();
    const i = list.indexOf(document.activeElement);
    if (i < 0) return;
    const next =
      e.key === 'ArrowRight'
        ? list[(i + 1) % list.length]
        : e.key === 'ArrowLeft'
          ? list[(i - 1 + list.length) % list.length]
          : e.key === 'Home'
            ? list[0]
            : e.key === 'End'
              ? list[list.length - 1]
              : undefined;
    if (next) {
      e.preventDefault();
      selectTab(next);
    }
  });
  document.addEventListener('keydown', (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.target.closest('input, select, textarea')) return;
    const tab = tabs().find((t) => t.dataset.key === e.key);
    if (tab) selectTab(tab);
  });
}

// ---------- topology ----------

function edgeText(g) {
  const parts = [];
  if (g.inputs.length) parts.push(`inputs: ${g.inputs.join(', ')}`);
  if (g.joins.length) parts.push(`joins: ${g.joins.join(', ')}`);
  if (g.lookups.length) parts.push(`lookups: ${g.lookups.join(', ')}`);
  if (g.loopback) parts.push(`loopback: ${g.loopback}`);
  if (g.outputs.length) parts.push(`outputs: ${g.outputs.join(', ')}`);
  if (g.table) parts.push(`table: ${g.table}`);
  return parts.join(' · ');
}

function renderTopology(answers) {
  const root = $('topology');
  root.replaceChildren(
    h(
      'div',
      { class: 'legend', 'aria-hidden': 'true' },
      h('span', {}, '▭ group'),
      h('span', {}, '◯ topic / table'),
      h('span', {}, '— input / output'),
      h('span', {}, '- - join'),
      h('span', {}, '··· lookup'),
      h('span', {}, 'green: table'),
      h('span', {}, 'orange: loopback'),
    ),
  );
  for (const a of answers) {
    const section = h(
      'section',
      { class: 'service', 'data-service': a.service, 'aria-label': `service ${a.service}` },
      h('h2', {}, a.service),
    );
    if (!a.ok) section.append(failure(a));
    else {
      const t = a.body;
      const graph = h('div', {
        class: 'graph',
        tabindex: '0',
        'aria-label': `graph of ${t.service}, scrollable`,
      });
      graph.append(topologySvg(t));
      section.append(
        graph,
        h(
          'ul',
          { class: 'group-list', 'aria-label': `groups of ${t.service}` },
          t.groups.map((g) =>
            h(
              'li',
              { 'data-group': g.group },
              h('strong', {}, g.group),
              h('br'),
              h('span', { class: 'edges' }, edgeText(g)),
            ),
          ),
        ),
        t.views.length ? h('p', { class: 'hint' }, `Views: ${t.views.join(', ')}`) : null,
      );
    }
    root.append(section);
  }
}

// ---------- groups (live) ----------

function spark(values) {
  const max = Math.max(1, ...values);
  const w = 90;
  const hgt = 18;
  const step = w / (LAG_HISTORY - 1);
  const start = LAG_HISTORY - values.length;
  const points = values
    .map((v, i) => `${((start + i) * step).toFixed(1)},${(hgt - 1 - (v / max) * (hgt - 2)).toFixed(1)}`)
    .join(' ');
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('class', 'spark');
  svg.setAttribute('width', w);
  svg.setAttribute('height', hgt);
  svg.setAttribute('aria-hidden', 'true');
  const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
  line.setAttribute('points', points);
  svg.append(line);
  return svg;
}

function recoveryCell(r, state) {
  if (r.finished || (state !== 'recovering' && r.total === 0))
    return h('td', {}, r.total > 0 ? `done (${fmt(r.total)})` : '—');
  const pct = Math.round(r.progress * 100);
  return h(
    'td',
    {},
    h('progress', { max: '100', value: String(pct), 'aria-label': `recovery ${pct}%` }),
    ` ${pct}% · ${fmt(r.done)}/${fmt(r.total)}`,
    r.etaSeconds !== null ? ` · ETA ${r.etaSeconds}s` : '',
  );
}

function renderGroups(message) {
  $('groups-updated').textContent = `Updated ${new Date(message.at).toLocaleTimeString()}.`;
  const root = $('groups');
  const sections = [];
  for (const a of message.services) {
    const section = h('section', { class: 'service', 'data-service': a.service }, h('h2', {}, a.service));
    if (!a.ok) {
      section.append(failure(a));
      sections.push(section);
      continue;
    }
    const body = a.body;
    const rows = [];
    for (const g of body.groups) {
      const history = state.lagHistory.get(g.group) ?? [];
      history.push(g.lag);
      if (history.length > LAG_HISTORY) history.shift();
      state.lagHistory.set(g.group, history);
      rows.push(
        h(
          'tr',
          { class: 'group-row', 'data-group': g.group },
          h('td', {}, g.group),
          h(
            'td',
            { class: `state-${g.state}` },
            g.state,
            g.error ? h('div', { class: 'error' }, g.error) : null,
          ),
          h('td', {}, g.instance),
          recoveryCell(g.recovery, g.state),
          h('td', { class: 'num' }, fmt(g.processed)),
          h('td', { class: 'num' }, fmt(g.deadLettered)),
          h('td', { class: 'num' }, fmt(g.rate), '/s'),
          h(
            'td',
            { class: `num lag ${g.lag > 1000 ? 'lag-high' : ''}`, 'data-lag': String(g.lag) },
            fmt(g.lag),
            ' ',
            spark(history),
          ),
          h('td', {}),
        ),
      );
      for (const p of g.partitions) {
        rows.push(
          h(
            'tr',
            { 'data-group': g.group, 'data-partition': String(p.partition) },
            h('td', {}, `  partition ${p.partition}`),
            h('td', { class: `state-${p.state}` }, p.state),
            h('td', {}, ''),
            recoveryCell(p.recovery, p.state),
            h('td', { class: 'num' }, fmt(p.processed)),
            h('td', { class: 'num' }, fmt(p.deadLettered)),
            h('td', { class: 'num' }, fmt(p.rate), '/s'),
            h('td', { class: 'num lag' }, fmt(p.lag)),
            h(
              'td',
              {},
              p.positions.map((t) =>
                h(
                  'div',
                  {},
                  `${t.topic}: consumed ${fmt(t.consumed)}, committed ${fmt(t.committed)}, end ${fmt(t.high)}`,
                ),
              ),
            ),
          ),
        );
      }
    }
    section.append(
      h(
        'table',
        { 'aria-label': `groups of ${a.service}` },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            [
              'Group / partition',
              'State',
              'Owner',
              'Recovery',
              'Processed',
              'Dead letters',
              'Rate',
              'Lag',
              'Offsets per topic',
            ].map((c, i) => h('th', { scope: 'col', class: i >= 4 && i <= 7 ? 'num' : '' }, c)),
          ),
        ),
        h('tbody', {}, rows),
      ),
    );
    if (body.views.length) {
      section.append(
        h('h3', {}, 'Views'),
        h(
          'table',
          { 'aria-label': `views of ${a.service}` },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Table', 'State', 'Partitions', 'Recovery'].map((c) => h('th', { scope: 'col' }, c)),
            ),
          ),
          h(
            'tbody',
            {},
            body.views.map((v) =>
              h(
                'tr',
                { 'data-view': v.table },
                h('td', {}, v.table),
                h('td', { class: `state-${v.state}` }, v.state),
                h('td', {}, String(v.partitions)),
                recoveryCell(v.recovery, v.state),
              ),
            ),
          ),
        ),
      );
    }
    sections.push(section);
  }
  root.replaceChildren(...sections);
}

// ---------- tables ----------

function selectedTable() {
  const [service, table] = ($('table-select').value || '|').split('|');
  return { service, table };
}

function fillTableSelect() {
  const select = $('table-select');
  const previous = select.value;
  select.replaceChildren();
  for (const a of state.topology) {
    if (!a.ok || a.body.views.length === 0) continue;
    select.append(
      h(
        'optgroup',
        { label: a.service },
        a.body.views.map((t) => h('option', { value: `${a.service}|${t}` }, t)),
      ),
    );
  }
  if (previous) select.value = previous;
}

async function getKey(e) {
  e?.preventDefault();
  const { service, table } = selectedTable();
  const key = $('table-key').value;
  if (!service || !key) return;
  try {
    const r = await api(
      `/api/tables/${encodeURIComponent(service)}/${encodeURIComponent(table)}?key=${encodeURIComponent(key)}`,
    );
    $('table-value-meta').textContent = r.found ? `${table} · ${key}` : `${table} · ${key}: no value`;
    $('table-value').textContent = r.found ? json(r.value) : '';
  } catch (error) {
    $('table-value-meta').textContent = `Error: ${error.message}`;
  }
}

function watchKey() {
  const { service, table } = selectedTable();
  const key = $('table-key').value;
  if (!service || !key || !state.socket) return;
  const id = `${service}|${table}|${key}`;
  if (state.watching.has(id)) return;
  state.watching.add(id);
  state.socket.send(JSON.stringify({ type: 'watch', service, table, key }));
  logWatch(`watching ${table} · ${key}`);
}

function logWatch(text, value) {
  const log = $('watch-log');
  log.prepend(
    h(
      'li',
      {},
      `${new Date().toLocaleTimeString()} ${text}`,
      value === undefined ? null : h('div', {}, h('code', {}, JSON.stringify(value))),
    ),
  );
  while (log.children.length > 100) log.lastChild.remove();
}

function onKeyMessage(m) {
  const { service, table } = selectedTable();
  const current = m.service === service && m.table === table && m.key === $('table-key').value;
  if (m.type === 'update') {
    logWatch(`${m.table} · ${m.key} updated (partition ${m.partition}, offset ${m.offset})`, m.value);
    if (current) {
      $('table-value-meta').textContent = `${m.table} · ${m.key} (live, offset ${m.offset})`;
      $('table-value').textContent = m.value === null ? '' : json(m.value);
    }
  } else if (m.type === 'value' && current && $('table-value').textContent === '' && m.value !== null) {
    $('table-value').textContent = json(m.value);
  } else if (m.type === 'error') {
    logWatch(`error${m.service ? ` from ${m.service}` : ''}: ${m.message}`);
    if (m.key) state.watching.delete(`${m.service}|${m.table}|${m.key}`);
  }
}

async function scan(fromStart) {
  const { service, table } = selectedTable();
  if (!service) return;
  const s = state.scan;
  if (fromStart) {
    Object.assign(s, {
      service,
      table,
      from: $('scan-from').value,
      to: $('scan-to').value,
      limit: Number($('scan-limit').value) || 20,
      next: null,
    });
  }
  const q = new URLSearchParams({ limit: String(s.limit) });
  if (s.from) q.set('from', s.from);
  if (s.to) q.set('to', s.to);
  if (!fromStart && s.next) q.set('after', s.next);
  try {
    const r = await api(`/api/tables/${encodeURIComponent(s.service)}/${encodeURIComponent(s.table)}?${q}`);
    s.next = r.next;
    $('scan-next').disabled = r.next === null;
    $('scan-result').replaceChildren(
      h(
        'table',
        { 'aria-label': `scan of ${s.table}` },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Key'), h('th', { scope: 'col' }, 'Value'))),
        h(
          'tbody',
          {},
          r.items.length === 0
            ? h('tr', {}, h('td', { colspan: '2' }, 'no keys in this range'))
            : r.items.map((i) =>
                h('tr', {}, h('td', {}, i.key), h('td', { class: 'value-cell' }, JSON.stringify(i.value))),
              ),
        ),
      ),
    );
  } catch (error) {
    $('scan-result').replaceChildren(h('p', { class: 'error' }, error.message));
  }
}

// ---------- dead letters ----------

async function loadDeadLetters() {
  const root = $('dead-letters');
  root.setAttribute('aria-busy', 'true');
  try {
    const r = await api('/api/dead-letters?limit=10');
    root.replaceChildren(
      ...r.services.map((a) => {
        const section = h('section', { class: 'service', 'data-service': a.service }, h('h2', {}, a.service));
        if (!a.ok) section.append(failure(a));
        else
          for (const g of a.body.groups) {
            section.append(
              h(
                'h3',
                { 'data-group': g.group },
                `${g.group}: ${fmt(g.count)} dead letter${g.count === 1 ? '' : 's'}`,
              ),
            );
            if (g.last.length === 0) continue;
            section.append(
              h(
                'table',
                { 'aria-label': `dead letters of ${g.group}` },
                h(
                  'thead',
                  {},
                  h(
                    'tr',
                    {},
                    ['Time', 'Key', 'Error', 'From', 'Value'].map((c) => h('th', { scope: 'col' }, c)),
                  ),
                ),
                h(
                  'tbody',
                  {},
                  g.last.map((d) =>
                    h(
                      'tr',
                      {},
                      h('td', {}, new Date(d.timestamp).toLocaleString()),
                      h('td', {}, d.key ?? '∅'),
                      h(
                        'td',
                        { class: 'error' },
                        `${d.headers['goka-error-kind'] ?? ''} ${d.headers['goka-error'] ?? ''}`,
                      ),
                      h(
                        'td',
                        {},
                        `${d.headers['goka-topic'] ?? '?'}/${d.headers['goka-partition'] ?? '?'}@${d.headers['goka-offset'] ?? '?'}`,
                      ),
                      h('td', { class: 'value-cell' }, d.value ?? '∅'),
                    ),
                  ),
                ),
              ),
            );
          }
        return section;
      }),
    );
  } catch (error) {
    root.replaceChildren(h('p', { class: 'error' }, error.message));
  } finally {
    root.removeAttribute('aria-busy');
  }
}

// ---------- connection ----------

function openLive() {
  state.socket?.close();
  const url = new URL('/api/live', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  url.searchParams.set('token', state.token);
  const socket = new WebSocket(url);
  state.socket = socket;
  state.watching.clear();
  socket.addEventListener('message', (e) => {
    const m = JSON.parse(e.data);
    if (m.type === 'groups') renderGroups(m);
    else onKeyMessage(m);
  });
  socket.addEventListener('open', () => setConnection('Connected · live', 'ok'));
  socket.addEventListener('close', () => {
    if (state.socket !== socket) return;
    setConnection('Live feed closed · reconnecting…', 'bad');
    setTimeout(() => state.socket === socket && openLive(), 2000);
  });
}

async function connect(token) {
  state.token = token;
  setConnection('Connecting…');
  try {
    const r = await api('/api/topology');
    sessionStorage.setItem(TOKEN_KEY, token);
    state.topology = r.services;
    renderTopology(r.services);
    fillTableSelect();
    openLive();
  } catch (error) {
    setConnection(`Not connected: ${error.message}`, 'bad');
  }
}

function start() {
  setupTabs();
  $('login').addEventListener('submit', (e) => {
    e.preventDefault();
    void connect($('token').value.trim());
  });
  $('table-get').addEventListener('submit', getKey);
  $('table-watch').addEventListener('click', watchKey);
  $('table-scan').addEventListener('submit', (e) => {
    e.preventDefault();
    void scan(true);
  });
  $('scan-next').addEventListener('click', () => void scan(false));
  $('dead-letters-refresh').addEventListener('click', () => void loadDeadLetters());
  // A token in the fragment (never sent to the server) connects at once, then leaves the URL.
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromHash) history.replaceState(null, '', location.pathname);
  const token = fromHash ?? sessionStorage.getItem(TOKEN_KEY);
  if (token) {
    $('token').value = token;
    void connect(token);
  }
}

start();
