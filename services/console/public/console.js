// The console page: one ES module per section, no build step. Everything shown comes from the
// console's admin-only /api routes.
import { loadDeadLetters } from './dead-letters.js';
import { renderGroups } from './groups.js';
import { $, api, failure, h, state } from './shared.js';
import { fillTableSelect, getKey, onKeyMessage, resetWatches, scan, watchKey } from './tables.js';
import { topologySvg } from './topology.js';

const TOKEN_KEY = 'console-token';

function setConnection(text, kind) {
  const c = $('connection');
  c.textContent = text;
  c.className = kind ?? '';
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

// ---------- connection ----------

function openLive() {
  state.socket?.close();
  const url = new URL('/api/live', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  url.searchParams.set('token', state.token);
  const socket = new WebSocket(url);
  state.socket = socket;
  resetWatches();
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
