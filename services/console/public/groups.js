// The Groups section: live status per group and partition, with a lag sparkline.
import { $, failure, fmt, h } from './shared.js';

const LAG_HISTORY = 90;
const lagHistory = new Map();

function spark(values) {
  const max = Math.max(1, ...values);
  const w = 90;
  const hgt = 18;
  const step = w / (LAG_HISTORY - 1);
  const points = values
    .map((v, i) => `${(i * step).toFixed(1)},${(hgt - 1 - (v / max) * (hgt - 2)).toFixed(1)}`)
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

export function renderGroups(message) {
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
      const history = lagHistory.get(g.group) ?? [];
      history.push(g.lag);
      if (history.length > LAG_HISTORY) history.shift();
      lagHistory.set(g.group, history);
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
            spark(history),
            ' ',
            fmt(g.lag),
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
