// The Dead letters section: per group, the count and the newest records with their errors.
import { $, api, failure, fmt, h } from './shared.js';

export async function loadDeadLetters() {
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
