// The Tables section: get, watch and scan the tables the services keep a view of.
import { $, api, h, json, state } from './shared.js';

const scanState = { service: '', table: '', from: '', to: '', limit: 20, next: null };
const watching = new Set();

export function resetWatches() {
  watching.clear();
}

function selectedTable() {
  const [service, table] = ($('table-select').value || '|').split('|');
  return { service, table };
}

export function fillTableSelect() {
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

export async function getKey(e) {
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

export function watchKey() {
  const { service, table } = selectedTable();
  const key = $('table-key').value;
  if (!service || !key || !state.socket) return;
  const id = `${service}|${table}|${key}`;
  if (watching.has(id)) return;
  watching.add(id);
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

export function onKeyMessage(m) {
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
    if (m.key) watching.delete(`${m.service}|${m.table}|${m.key}`);
  }
}

export async function scan(fromStart) {
  const { service, table } = selectedTable();
  if (!service) return;
  const s = scanState;
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
