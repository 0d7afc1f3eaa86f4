import { beforeAll, describe, expect, it } from 'vitest';
import { eventually, type UsedService, useService } from '../src/index.ts';

/**
 * anti-spam end to end: the service as a process on the real broker, driven through HTTP and
 * WebSocket only. User ids carry a run prefix so a reused broker's old data cannot interfere.
 */
const run = Date.now().toString(36);
const u = (name: string) => `${run}-${name}`;
const MOD = { admin: u('mod') };

interface InboxBody {
  messages: { id: string; from: string; text: string; sentAt: string; seq: number }[];
  total: number;
}
interface SpamBody {
  blocked: boolean;
  source: string | null;
  reason: string | null;
  verified: boolean;
  score: number;
  sent: number;
  received: number;
  delivered: number;
  dropped: number;
}

let svc: UsedService;
beforeAll(async () => {
  svc = await useService('anti-spam');
  return svc.close;
});

const send = (from: string, to: string, text: string) =>
  svc.api.post<{ id: string }>('/messages', from, { to, text });

/**
 * A block or unblock reaches the filter through its own copy of the blocker table, a moment
 * after GET /spam shows it. This sends throw-away messages until the filter acts on it; from
 * then on the filter's behaviour for that sender is settled (its table copy only moves forward).
 */
async function untilFiltered(sender: string, dropped: boolean): Promise<SpamBody> {
  for (let i = 0; i < 50; i++) {
    const before = await spam(sender);
    await send(sender, u(`throwaway-${i}`), 'throw-away probe message');
    const after = await eventually(async () => {
      const s = await spam(sender);
      expect(s.delivered + s.dropped).toBe(before.delivered + before.dropped + 1);
      return s;
    });
    if (after.dropped > before.dropped === dropped) return after;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the filter never ${dropped ? 'dropped' : 'delivered'} messages of ${sender}`);
}
const inbox = async (user: string) => (await svc.api.get<InboxBody>(`/users/${user}/inbox`, user)).body;
const spam = async (user: string) => (await svc.api.get<SpamBody>(`/users/${user}/spam`, MOD)).body;

describe('anti-spam over HTTP and WebSocket', () => {
  it('a sent message shows up in the recipient inbox', async () => {
    const res = await send(u('alice'), u('bob'), 'hello bob');
    expect(res.status).toBe(202);
    const box = await eventually(async () => {
      const b = await inbox(u('bob'));
      expect(b.messages.map((m) => m.id)).toContain(res.body.id);
      return b;
    });
    expect(box.messages.find((m) => m.id === res.body.id)).toMatchObject({
      from: u('alice'),
      text: 'hello bob',
    });
  });

  it('WS /ws/inbox pushes each delivered message to the recipient (token by query or header)', async () => {
    const byQuery = await svc.api.socket('/ws/inbox', u('carol'));
    const byHeader = await svc.api.socket('/ws/inbox', u('carol'), 'header');
    try {
      await byQuery.next((m) => m.type === 'subscribed');
      await byHeader.next((m) => m.type === 'subscribed');
      const res = await send(u('dave'), u('carol'), 'ping over ws');
      for (const s of [byQuery, byHeader]) {
        const pushed = await s.next((m) => m.type === 'message' && m.id === res.body.id);
        expect(pushed).toMatchObject({ from: u('dave'), text: 'ping over ws' });
      }
    } finally {
      byQuery.close();
      byHeader.close();
    }
  });

  it('a spammer gets blocked and its later messages never reach inboxes', async () => {
    const moderation = await svc.api.socket('/ws/moderation', MOD);
    try {
      await moderation.next((m) => m.type === 'subscribed');
      const spammer = u('spammer');
      for (let i = 0; i < 15; i++) {
        const r = await send(
          spammer,
          u(`victim${i}`),
          `Hi victim${i}! Hot singles near you: http://hot-${i}.xyz/p/${i}`,
        );
        expect(r.status).toBe(202);
      }
      await eventually(async () =>
        expect(await spam(spammer)).toMatchObject({ blocked: true, source: 'detector' }),
      );
      const pushed = await moderation.next((m) => m.type === 'block' && m.user === spammer);
      expect(pushed).toMatchObject({ source: 'detector' });
      // The filter may still be working through the 15: wait until it has seen all of them.
      await eventually(async () => {
        const s = await spam(spammer);
        expect(s.delivered + s.dropped).toBe(15);
      });
      const before = await untilFiltered(spammer, true);
      const late = [0, 1, 2, 3, 4].map((i) => u(`late${i}`));
      for (const to of late) await send(spammer, to, `Hi! Hot singles near you: http://hot.xyz/${to}`);
      await eventually(async () => expect((await spam(spammer)).dropped).toBe(before.dropped + late.length));
      for (const to of late) expect((await inbox(to)).messages).toEqual([]);
      expect((await spam(spammer)).delivered).toBe(before.delivered);
    } finally {
      moderation.close();
    }
  });

  it('manual block, unblock and verify (admin only)', async () => {
    const eve = u('eve');
    expect((await svc.api.post(`/users/${eve}/block`, u('someone'), { reason: 'x' })).status).toBe(403);
    expect((await svc.api.post(`/users/${eve}/block`, MOD, { reason: 'harassment' })).status).toBe(202);
    await eventually(async () =>
      expect(await spam(eve)).toMatchObject({ blocked: true, source: 'manual', reason: 'harassment' }),
    );
    const blocked = await untilFiltered(eve, true);
    await send(eve, u('frank'), 'blocked text');
    await eventually(async () => expect((await spam(eve)).dropped).toBe(blocked.dropped + 1));
    expect((await inbox(u('frank'))).messages).toEqual([]);
    // Verification does not lift a manual block...
    expect((await svc.api.post(`/users/${eve}/verify`, MOD)).status).toBe(202);
    await eventually(async () => expect((await spam(eve)).verified).toBe(true));
    expect(await spam(eve)).toMatchObject({ blocked: true, source: 'manual' });
    // ...unblock does.
    expect((await svc.api.post(`/users/${eve}/unblock`, MOD)).status).toBe(202);
    await eventually(async () => expect((await spam(eve)).blocked).toBe(false));
    await untilFiltered(eve, false);
    const ok = await send(eve, u('frank'), 'free again');
    await eventually(async () =>
      expect((await inbox(u('frank'))).messages.map((m) => m.id)).toEqual([ok.body.id]),
    );
    // Verification lifts a report block.
    const rep = u('reported');
    for (const by of ['r1', 'r2', 'r3']) {
      expect((await svc.api.post('/reports', u(by), { user: rep, reason: 'scam' })).status).toBe(202);
    }
    await eventually(async () => expect(await spam(rep)).toMatchObject({ blocked: true, source: 'report' }));
    await svc.api.post(`/users/${rep}/verify`, MOD);
    await eventually(async () => expect(await spam(rep)).toMatchObject({ blocked: false, verified: true }));
  });

  it('401, 403, 400 (incl. unknown fields) and 413 come back as JSON errors', async () => {
    const a = u('alice');
    let r = await svc.api.post('/messages', null, { to: u('bob'), text: 'x' });
    expect(r).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
    r = await svc.api.request('POST', '/messages', {
      headers: { authorization: 'Bearer not.a.jwt' },
      body: { to: 'b', text: 'x' },
    });
    expect(r.status).toBe(401);
    r = await svc.api.get(`/users/${u('bob')}/inbox`, a);
    expect(r).toMatchObject({ status: 403, body: { error: 'forbidden' } });
    r = await svc.api.get(`/users/${u('bob')}/spam`, a);
    expect(r.status).toBe(403);
    r = await svc.api.post('/messages', a, { to: u('bob') });
    expect(r).toMatchObject({ status: 400, body: { error: 'bad_request', field: 'body.text' } });
    r = await svc.api.post('/messages', a, { to: u('bob'), text: 'x', priority: 'high' });
    expect(r).toMatchObject({ status: 400, body: { error: 'bad_request', field: 'body.priority' } });
    r = await svc.api.request('POST', '/messages', { as: a, rawBody: '{"to":' });
    expect(r).toMatchObject({ status: 400, body: { error: 'bad_request' } });
    r = await svc.api.post('/messages', a, { to: u('bob'), text: 'x'.repeat(100_000) });
    expect(r).toMatchObject({ status: 413, body: { error: 'payload_too_large' } });
    expect(await svc.api.upgradeStatus('/ws/inbox')).toBe(401);
    expect(await svc.api.upgradeStatus('/ws/moderation', svc.api.token(a))).toBe(403);
  });

  it('serves /healthz, /metrics and /docs', async () => {
    expect((await svc.api.get('/healthz')).status).toBe(200);
    const metrics = await svc.api.get<string>('/metrics');
    expect(metrics.body).toContain('goka_processor_state');
    expect(metrics.body).toContain('http_request_duration_seconds');
    const docs = await svc.api.get<{ paths: Record<string, unknown> }>('/docs/json');
    expect(Object.keys(docs.body.paths)).toContain('/users/{id}/inbox');
  });

  it('a restart keeps all state, also when the local data dir is lost', async () => {
    const alice = u('alice');
    const bob = u('bob');
    const eve = u('eve');
    const spammer = u('spammer');
    const snapshot = async () => ({
      bobInbox: await inbox(bob),
      spammer: await spam(spammer),
      eve: await spam(eve),
      alice: await spam(alice),
    });
    const before = await snapshot();
    expect(before.bobInbox.total).toBeGreaterThan(0);
    expect(before.spammer.blocked).toBe(true);

    const { exitCode } = await svc.restart();
    expect(exitCode).toBe(0);
    expect(await snapshot()).toEqual(before);

    // Without its LevelDB files the service rebuilds every table from the changelogs.
    const again = await svc.restart({ freshDataDir: true });
    expect(again.exitCode).toBe(0);
    expect(await snapshot()).toEqual(before);

    // And it keeps working: the blocked spammer stays filtered, new mail arrives.
    const r = await send(alice, bob, 'after the restarts');
    await eventually(async () => expect((await inbox(bob)).messages.map((m) => m.id)).toContain(r.body.id));
    await send(spammer, u('late-after-restart'), 'Hi! Hot singles near you: http://hot.xyz');
    await eventually(async () => expect((await spam(spammer)).dropped).toBe(before.spammer.dropped + 1));
    expect((await inbox(u('late-after-restart'))).messages).toEqual([]);
  });
});
