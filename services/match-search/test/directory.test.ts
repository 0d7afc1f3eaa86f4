import { userTable, userUpdates } from '@showcase/contracts';
import { createTester, Emitter, memoryStorage, type Tester, View } from '@showcase/goka';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { usersGroup } from '../src/processors/users.ts';
import { type NearbyEvent, NearbyWatch } from '../src/search/nearby-watch.ts';
import { UserDirectory } from '../src/search/user-directory.ts';
import { anyone, locationUpdate, presenceUpdate, profileUpdate } from './support.ts';

let tester: Tester;
let view: View<unknown> | undefined;
afterEach(async () => {
  await view?.stop();
  view = undefined;
  await tester?.stop();
});

/** The users group on the tester, and a view subscribed by a directory (as in service.ts). */
async function setup(seedStore = memoryStorage()) {
  tester = createTester();
  await tester.processor(usersGroup());
  const directory = new UserDirectory({ cellDeg: 1 });
  const v = new View({
    cluster: tester.cluster,
    table: userTable.name,
    codec: userTable.codec,
    storage: seedStore,
  });
  v.subscribe((key, state) => directory.applyUser(key, state));
  view = v as View<unknown>;
  await v.start();
  const send = (u: Parameters<typeof tester.consume>[2] & { user: string }) =>
    tester.consume(userUpdates.name, u.user, u);
  const near = (caller: string, radiusKm = 200) =>
    directory.nearby(caller, { radiusKm, limit: 100, onlineOnly: false })?.map((r) => r.user);
  return { directory, send, near, view: v };
}

describe('directory fed by the users table (tester)', () => {
  it('moves users between cells, applies profile changes and table deletes', async () => {
    const { directory, send, near } = await setup();
    await send(profileUpdate('me', anyone));
    await send(locationUpdate('me', 10.5, 10.5));
    await send(profileUpdate('x', anyone));
    await send(locationUpdate('x', 10.9, 10.9)); // same 1° cell
    await vi.waitFor(() => expect(near('me')).toEqual(['x']));
    await send(locationUpdate('x', 11.2, 9.8)); // another cell, still within 200 km
    await vi.waitFor(() => expect(directory.locationOf('x')).toEqual({ lat: 11.2, lon: 9.8 }));
    expect(near('me')).toEqual(['x']);
    await send(locationUpdate('x', 40, 10.5)); // far away: gone
    await vi.waitFor(() => expect(near('me')).toEqual([]));
    await send(locationUpdate('x', 10.5, 10.6));
    await vi.waitFor(() => expect(near('me')).toEqual(['x']));
    // Profile change that breaks the mutual filter (x now seeks only 60+ year olds).
    await send(profileUpdate('x', { ...anyone, ageMin: 60, ageMax: 99 }));
    await vi.waitFor(() => expect(near('me')).toEqual([]));
    await send(profileUpdate('x', anyone));
    await vi.waitFor(() => expect(near('me')).toEqual(['x']));
    // A tombstone in the table (e.g. an erased user) removes the user from the grid.
    const table = new Emitter({ cluster: tester.cluster, topic: userTable.name, codec: userTable.codec });
    await table.emit('x', null);
    await table.close();
    await vi.waitFor(() => expect(near('me')).toEqual([]));
    expect(directory.searchable).toBe(1);
    expect(near('nobody')).toBeUndefined();
  });

  it('a restarted view seeds the grid from what its store already holds', async () => {
    const store = memoryStorage();
    const first = await setup(store);
    await first.send(profileUpdate('a', anyone));
    await first.send(locationUpdate('a', 1, 1));
    await first.send(presenceUpdate('a', true));
    await vi.waitFor(() => expect(first.directory.isOnline('a')).toBe(true));
    await first.view.stop();
    const directory = new UserDirectory();
    const again = new View({
      cluster: tester.cluster,
      table: userTable.name,
      codec: userTable.codec,
      storage: store,
    });
    again.subscribe((key, state) => directory.applyUser(key, state));
    view = again as View<unknown>;
    await again.start();
    expect(directory.locationOf('a')).toEqual({ lat: 1, lon: 1 });
    expect(directory.isOnline('a')).toBe(true);
  });

  it('a watch reports entered, moved and left around the caller, and re-evaluates when the caller moves', async () => {
    const { directory, send } = await setup();
    await send(profileUpdate('me', anyone));
    await send(locationUpdate('me', 0, 0));
    await send(profileUpdate('x', anyone));
    await send(locationUpdate('x', 0, 0.1));
    await vi.waitFor(() => expect(directory.searchable).toBe(2));
    const events: NearbyEvent[] = [];
    const watch = new NearbyWatch(directory, 'me', 50, false, (e) => events.push(e));
    expect(events.map((e) => [e.type, e.user])).toEqual([['entered', 'x']]);
    await send(locationUpdate('x', 0, 0.2));
    await vi.waitFor(() => expect(events.at(-1)).toMatchObject({ type: 'moved', user: 'x' }));
    expect(events.at(-1)!.distanceKm).toBeCloseTo(22.24, 1);
    await send(locationUpdate('me', 0, 5)); // the caller moves away: x leaves
    await vi.waitFor(() => expect(events.at(-1)).toMatchObject({ type: 'left', user: 'x' }));
    await send(profileUpdate('y', anyone));
    await send(locationUpdate('y', 0.1, 5));
    await vi.waitFor(() => expect(events.at(-1)).toMatchObject({ type: 'entered', user: 'y' }));
    await send(profileUpdate('y', { ...anyone, seeking: ['male'] })); // me is female: filtered out
    await vi.waitFor(() => expect(events.at(-1)).toMatchObject({ type: 'left', user: 'y' }));
    watch.close();
    await send(locationUpdate('x', 0, 5));
    await tester.waitIdle();
    expect(events.filter((e) => e.user === 'x' && e.type === 'entered')).toHaveLength(1);
    expect([...watch.snapshot().keys()]).toEqual([]);
  });
});
