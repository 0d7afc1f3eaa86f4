// Draws one service's topology (from its /admin/topology) as a layered SVG graph: topics and
// tables flow left to right through the groups that read and write them. Hand-written on
// purpose: a few dozen nodes need no layout library, and the page must work without a CDN.

const SVG = 'http://www.w3.org/2000/svg';
const COLUMN = 270;
const NODE_W = 190;
const NODE_H = 30;
const ROW = 46;
const PAD = 16;

function el(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  for (const c of children) node.append(c);
  return node;
}

/** Nodes (groups and topics) and typed edges of a topology. */
export function graphOf(topology) {
  const nodes = new Map();
  const edges = [];
  const node = (id, kind, label) => {
    if (!nodes.has(id)) nodes.set(id, { id, kind, label, layer: 0 });
    else if (kind === 'table') nodes.get(id).kind = 'table';
    return nodes.get(id);
  };
  for (const g of topology.groups) node(`g:${g.group}`, 'group', g.group);
  for (const g of topology.groups) {
    const gid = `g:${g.group}`;
    for (const t of g.inputs) edges.push({ from: node(`t:${t}`, 'topic', t).id, to: gid, kind: 'input' });
    for (const t of g.joins) edges.push({ from: node(`t:${t}`, 'table', t).id, to: gid, kind: 'join' });
    for (const t of g.lookups) edges.push({ from: node(`t:${t}`, 'table', t).id, to: gid, kind: 'lookup' });
    for (const t of g.outputs) edges.push({ from: gid, to: node(`t:${t}`, 'topic', t).id, kind: 'output' });
    if (g.table) edges.push({ from: gid, to: node(`t:${g.table}`, 'table', g.table).id, kind: 'table' });
    if (g.loopback)
      edges.push({ from: gid, to: node(`t:${g.loopback}`, 'topic', g.loopback).id, kind: 'loop' });
  }
  // Groups feed back into themselves (the detector reads the block events it emits): a DFS
  // marks the edges that close a cycle, and the layering (longest path) ignores them.
  const out = new Map([...nodes.keys()].map((id) => [id, []]));
  for (const e of edges) out.get(e.from).push(e);
  const incoming = new Set(edges.map((e) => e.to));
  const visit = new Map();
  const dfs = (id) => {
    visit.set(id, 'open');
    for (const e of out.get(id)) {
      const seen = visit.get(e.to);
      if (seen === 'open') e.back = true;
      else if (!seen) dfs(e.to);
    }
    visit.set(id, 'done');
  };
  const ids = [...nodes.keys()].sort();
  for (const id of ids) if (!incoming.has(id) && !visit.has(id)) dfs(id);
  for (const id of ids) if (!visit.has(id)) dfs(id);
  const forward = edges.filter((e) => !e.back);
  for (let round = 0; round < nodes.size; round++) {
    let changed = false;
    for (const e of forward) {
      const a = nodes.get(e.from);
      const b = nodes.get(e.to);
      if (b.layer < a.layer + 1) {
        b.layer = a.layer + 1;
        changed = true;
      }
    }
    if (!changed) break;
  }
  return { nodes: [...nodes.values()], edges };
}

export function topologySvg(topology) {
  const { nodes, edges } = graphOf(topology);
  const columns = new Map();
  for (const n of nodes.sort((a, b) => a.label.localeCompare(b.label))) {
    if (!columns.has(n.layer)) columns.set(n.layer, []);
    columns.get(n.layer).push(n);
  }
  const preds = new Map(nodes.map((n) => [n.id, []]));
  const byIdEarly = new Map(nodes.map((n) => [n.id, n]));
  for (const e of edges) if (!e.back) preds.get(e.to).push(byIdEarly.get(e.from));
  let height = 0;
  let width = 0;
  // Layer by layer, each node goes near the mean row of what feeds it: fewer crossings.
  for (const layer of [...columns.keys()].sort((a, b) => a - b)) {
    const list = columns.get(layer);
    const rank = (n) => {
      const placed = preds.get(n.id).filter((p) => p.row !== undefined);
      return placed.length ? placed.reduce((s, p) => s + p.row, 0) / placed.length : Number.POSITIVE_INFINITY;
    };
    list.sort((a, b) => rank(a) - rank(b) || a.label.localeCompare(b.label));
    list.forEach((n, i) => {
      n.row = i;
      n.x = PAD + layer * COLUMN;
      n.y = PAD + i * ROW;
    });
    height = Math.max(height, PAD * 2 + list.length * ROW);
    width = Math.max(width, PAD * 2 + layer * COLUMN + NODE_W);
  }
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const svg = el('svg', {
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': `Topology of ${topology.service}: ${topology.groups.length} groups`,
  });
  const defs = el('defs');
  defs.append(
    el(
      'marker',
      {
        id: `arrow-${topology.service}`,
        viewBox: '0 0 10 10',
        refX: 10,
        refY: 5,
        markerWidth: 7,
        markerHeight: 7,
        orient: 'auto-start-reverse',
      },
      el('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#6b6b72' }),
    ),
  );
  svg.append(defs);
  for (const e of edges) {
    const a = byId.get(e.from);
    const b = byId.get(e.to);
    const x1 = a.x + NODE_W;
    const y1 = a.y + NODE_H / 2;
    const x2 = b.x;
    const y2 = b.y + NODE_H / 2;
    const d =
      x2 > x1
        ? `M${x1},${y1} C${x1 + 60},${y1} ${x2 - 60},${y2} ${x2},${y2}`
        : // Back edge: around the top of both nodes.
          `M${a.x + NODE_W / 2},${a.y} C${a.x + NODE_W / 2},${a.y - 40} ${b.x + NODE_W / 2},${b.y - 40} ${b.x + NODE_W / 2},${b.y}`;
    const path = el('path', { d, class: `edge ${e.kind}`, 'marker-end': `url(#arrow-${topology.service})` });
    path.append(el('title', {}, `${a.label} → ${b.label} (${e.kind})`));
    svg.append(path);
  }
  for (const n of nodes) {
    const g = el('g', { class: `node ${n.kind}`, 'data-node': n.label });
    g.append(
      el('rect', { x: n.x, y: n.y, width: NODE_W, height: NODE_H, rx: n.kind === 'group' ? 3 : 14 }),
      el(
        'text',
        { x: n.x + 10, y: n.y + NODE_H / 2 + 4 },
        n.label.length > 27 ? `${n.label.slice(0, 26)}…` : n.label,
      ),
      el('title', {}, `${n.kind === 'group' ? 'group' : n.kind === 'table' ? 'table' : 'topic'} ${n.label}`),
    );
    svg.append(g);
  }
  return svg;
}
