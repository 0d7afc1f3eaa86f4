import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { type MessageSent, messagesSent } from '@showcase/contracts';
import { Emitter, type KafkaCluster, kafkaCluster } from '@showcase/goka';
import { brokers, repoRoot, type UsedService, useService } from '@showcase/service-kit/testing';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * The console in a real browser (Debian's headless Chromium, driven by puppeteer-core with the
 * system executable) against anti-spam running as a process on the real broker. Asserts what a
 * person sees. anti-spam serves the admin routes like every service (createService mounts them).
 */
const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (p): p is string => !!p && existsSync(p),
);
const OUT = resolve(process.env.SHOWCASE_TEST_REPORTS ?? resolve(repoRoot, '.test-results'));
const run = Date.now().toString(36);

if (!CHROMIUM) {
  console.warn(
    'console browser test SKIPPED: no Chromium found (apt-get install -y chromium, or set CHROMIUM_PATH)',
  );
}

describe.skipIf(!CHROMIUM)('the console in a browser', () => {
  let antiSpam: UsedService;
  let consoleSvc: UsedService;
  let browser: Browser;
  let page: Page;
  let cluster: KafkaCluster;
  // What the console must list: the groups anti-spam itself reports, sorted.
  let GROUPS: string[];

  beforeAll(async () => {
    const teardown: (() => Promise<unknown>)[] = [];
    const close = async () => {
      for (const step of teardown.reverse()) await step().catch(() => undefined);
    };
    try {
      antiSpam = await useService('anti-spam', {
        env: { PARTITIONS: '4' },
      });
      teardown.push(() => antiSpam.close());
      const topology = await antiSpam.api.request<{ groups: { group: string }[] }>('GET', '/admin/topology', {
        as: { admin: `${run}-setup` },
      });
      GROUPS = topology.body.groups.map((g) => g.group).sort();
      if (GROUPS.length < 4) throw new Error(`anti-spam reported ${GROUPS.length} groups`);
      consoleSvc = await useService('console', {
        env: {
          AUTH_SECRET: antiSpam.secret,
          CONSOLE_SERVICES: `anti-spam=${antiSpam.current.url}`,
          LIVE_INTERVAL_MS: '500',
          // CI machines are busy: a service deep in a burst may answer slowly, not never.
          UPSTREAM_TIMEOUT_MS: '10000',
        },
      });
      teardown.push(() => consoleSvc.close());
      cluster = kafkaCluster({ brokers: brokers().split(','), clientId: `console-test-${run}` });
      teardown.push(() => cluster.close());
      browser = await puppeteer.launch({
        executablePath: CHROMIUM,
        headless: true,
        // Root in CI containers; no GPU there either.
        args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
      });
      teardown.push(() => browser.close());
      page = await browser.newPage();
      await page.setViewport({ width: 1280, height: 800 });
      mkdirSync(OUT, { recursive: true });
    } catch (error) {
      await close();
      throw error;
    }
    return close;
  });

  const adminToken = () => antiSpam.api.token(`${run}-ops`, true);
  const text = (selector: string) => page.$eval(selector, (el) => el.textContent ?? '');

  it('asks for a token, then lists every group of the topology', async () => {
    await page.goto(consoleSvc.current.url, { waitUntil: 'domcontentloaded' });
    expect(await text('#connection')).toBe('Not connected');
    // A user token is not enough: the page says so.
    await page.type('#token', antiSpam.api.token(`${run}-someone`));
    await page.keyboard.press('Enter');
    await page.waitForFunction(`document.querySelector('#connection').textContent.includes('admin role')`);

    await page.evaluate(`document.querySelector('#token').value = ''`);
    await page.type('#token', adminToken());
    await page.keyboard.press('Enter');
    await page.waitForSelector('#topology li[data-group]');
    const listed = await page.$$eval('#topology li[data-group]', (els) =>
      els.map((e) => e.getAttribute('data-group')),
    );
    expect(listed.sort()).toEqual(GROUPS);
    // The graph draws a node per group and per topic it touches.
    const nodes = await page.$$eval('#topology svg .node', (els) =>
      els.map((e) => e.getAttribute('data-node')),
    );
    for (const g of GROUPS) expect(nodes).toContain(g);
    expect(nodes).toContain('messages-sent');
    expect(nodes).toContain('anti-spam-collector-table');
    await page.waitForFunction(`document.querySelector('#connection').textContent.includes('live')`);
    await page.screenshot({ path: resolve(OUT, 'console-topology.png') });
  });

  it('shows lag rising under a burst faster than anti-spam drains it, and falling after', async () => {
    // Keyboard only: "2" opens the Groups tab.
    await page.keyboard.press('Escape');
    await page.focus('#tab-topology');
    await page.keyboard.press('ArrowRight');
    expect(await page.$eval('#tab-groups', (el) => el.getAttribute('aria-selected'))).toBe('true');
    await page.waitForSelector(`#groups tr.group-row[data-group="anti-spam-detector"]`);

    const lags = async (): Promise<Record<string, number>> =>
      Object.fromEntries(
        await page.$$eval('#groups tr.group-row', (rows) =>
          rows.map((r) => [
            r.getAttribute('data-group') ?? '',
            Number(r.querySelector('[data-lag]')?.getAttribute('data-lag')),
          ]),
        ),
      );
    // A burst written straight to messages-sent, as fast as the producer goes: anti-spam's
    // groups process each message with table writes acknowledged by Kafka, so they fall behind.
    const emitter = new Emitter<MessageSent>({
      cluster,
      topic: messagesSent.name,
      codec: messagesSent.codec,
    });
    const BURST = 3000;
    const sending = (async () => {
      for (let i = 0; i < BURST; i += 1000) {
        await Promise.all(
          Array.from({ length: 1000 }, (_, j) => {
            const n = i + j;
            return emitter.emit(`${run}-burst-${n % 500}`, {
              id: `${run}-${n}`,
              from: `${run}-burst-${n % 500}`,
              to: `${run}-rcpt-${n % 97}`,
              text: `burst message ${n}`,
              sentAt: Date.now(),
            });
          }),
        );
      }
    })();
    let peak = 0;
    let peakGroup = '';
    const deadline = Date.now() + 90_000;
    try {
      while (Date.now() < deadline) {
        const seen = await lags();
        for (const [g, lag] of Object.entries(seen)) {
          if (lag > peak) {
            peak = lag;
            peakGroup = g;
          }
        }
        if (peak > 200 && Object.values(seen).every((l) => l === 0)) break;
        if (peak > 200 && peak === Math.max(...Object.values(seen))) {
          await page.screenshot({ path: resolve(OUT, 'console.png') });
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      await sending;
      await emitter.close();
    }
    console.info(`console: peak lag seen on the page ${peak} (${peakGroup}) for a burst of ${BURST}`);
    expect(peak).toBeGreaterThan(200);
    const after = await lags();
    expect(
      Object.values(after).every((l) => l === 0),
      JSON.stringify(after),
    ).toBe(true);
    const row = await text('#groups tr.group-row[data-group="anti-spam-detector"]');
    expect(row).toContain('running');
  });

  it('looks a key up, shows the value written through the API, and an update live', async () => {
    const from = `${run}-alice`;
    const to = `${run}-bob`;
    const first = await antiSpam.api.post('/messages', from, { to, text: 'hello from the console test' });
    expect(first.status).toBe(202);
    await page.keyboard.press('Escape');
    await page.focus('body');
    await page.keyboard.press('3');
    await page.select('#table-select', 'anti-spam|anti-spam-collector-table');
    await page.type('#table-key', to);
    // The collector's row of a user is the inbox head: the total and the ids of the newest
    // messages (each message is its own row on anti-spam-inbox). It is written a moment after
    // the 202: ask until the message's id is there, as a person would.
    const firstId = String((first.body as { id: string }).id);
    const deadline = Date.now() + 20_000;
    while (!(await text('#table-value')).includes(firstId)) {
      if (Date.now() > deadline) throw new Error(`no value shown: ${await text('#table-value-meta')}`);
      await page.click('#table-get-submit');
      await new Promise((r) => setTimeout(r, 300));
    }
    await page.click('#table-watch');
    await page.waitForFunction(`document.querySelector('#watch-log').textContent.includes('watching')`);
    const second = await antiSpam.api.post('/messages', from, { to, text: 'a second message, pushed live' });
    expect(second.status).toBe(202);
    const secondId = String((second.body as { id: string }).id);
    await page.waitForFunction(
      `document.querySelector('#watch-log').textContent.includes(${JSON.stringify(secondId)})`,
      {
        timeout: 20_000,
      },
    );
    expect(await text('#table-value')).toContain(secondId);
    await page.screenshot({ path: resolve(OUT, 'console-tables.png') });
  });

  it('lists every group on the dead-letters tab (anti-spam fails instead of dead-lettering)', async () => {
    await page.focus('body');
    await page.keyboard.press('4');
    await page.waitForSelector('#dead-letters h3[data-group]', { timeout: 20_000 });
    const headings = await page.$$eval('#dead-letters h3[data-group]', (els) =>
      els.map((e) => e.textContent),
    );
    expect(headings.sort()).toEqual(GROUPS.map((g) => `${g}: 0 dead letters`));
  });
});
