import { Http } from '@showcase/simkit';
import type { Driver, Prediction } from './driver.ts';

/**
 * Through the platform's HTTP APIs: messages to anti-spam, swipes and visits to edge-set (which
 * derives matches), locations and presence to match-search; predictions from segmentation.
 * Each write answers 202 once its event is in Kafka; the service reads the contract topics.
 */
export function httpDriver(urls: Readonly<Record<string, string>>, secret: string): Driver {
  const clients = new Map(
    Object.entries(urls).map(([service, base]) => [service, new Http(base.replace(/\/$/, ''), secret)]),
  );
  const call = async (
    service: string,
    method: string,
    path: string,
    as: string,
    body?: unknown,
    admin = false,
  ) => {
    const client = clients.get(service);
    if (!client) throw new Error(`no URL for ${service}`);
    const reply = await client.call(method, path, as, body, admin);
    if (reply.status >= 300)
      throw new Error(
        `${service} ${method} ${path}: ${reply.status} ${JSON.stringify(reply.body).slice(0, 200)}`,
      );
    return reply.body;
  };
  const verified = new Set<string>();
  return {
    name: 'http (anti-spam, edge-set, match-search, segmentation as processes)',
    async message(from, to) {
      // A chatty simulated user is no spammer: verified users are exempt from automatic blocks.
      if (!verified.has(from)) {
        verified.add(from);
        await call('anti-spam', 'POST', `/users/${from}/verify`, 'simulator', undefined, true);
      }
      await call('anti-spam', 'POST', '/messages', from, { to, text: `hello ${to}, how are you?` });
    },
    async interaction(from, to, type) {
      await call('edge-set', 'POST', '/interactions', from, { to, type });
    },
    async location(user, location) {
      await call('match-search', 'PUT', `/users/${user}/location`, user, {
        lat: location.lat,
        lon: location.lon,
      });
    },
    async presence(user, online) {
      await call('match-search', 'PUT', `/users/${user}/presence`, user, { online });
    },
    async settle(expected) {
      const sample = [...expected.entries()].filter(
        (_, i) => i % Math.max(1, Math.floor(expected.size / 40)) === 0,
      );
      const deadline = Date.now() + 180_000;
      for (const [user, events] of sample) {
        while ((await this.prediction(user)).events < events) {
          if (Date.now() > deadline)
            throw new Error(`segmentation did not catch up with ${user} (${events} events)`);
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    },
    prediction: async (user) =>
      (await call(
        'segmentation',
        'GET',
        `/users/${user}/segment`,
        'simulator',
        undefined,
        true,
      )) as Prediction,
    segments: async () =>
      (
        (await call('segmentation', 'GET', '/segments', 'simulator', undefined, true)) as {
          segments: { id: number; size: number; label?: string }[];
        }
      ).segments,
    async close() {},
  };
}
