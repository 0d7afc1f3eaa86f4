// What every part of the page shares: the session, element helpers, the API call.
// User data is only ever inserted as text (h() makes text nodes), never as HTML.

export const $ = (id) => document.getElementById(id);

export const state = {
  token: '',
  socket: undefined,
  topology: [],
};

/** Builds an element; strings become text nodes. */
export function h(tag, attrs = {}, ...children) {
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

export const fmt = (n) => (n === null || n === undefined ? '–' : Number(n).toLocaleString('en-US'));
export const json = (v) => JSON.stringify(v, null, 2);

export async function api(path) {
  const res = await fetch(path, { headers: { authorization: `Bearer ${state.token}` } });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.message ?? `${res.status} ${res.statusText}`);
  return body;
}

export function failure(answer) {
  return h('p', { class: 'error' }, `${answer.service}: ${answer.error}`);
}
