import { type UserState, userUpdates } from '@showcase/contracts';
import { createTester, type Tester } from '@showcase/goka';
import { afterEach, describe, expect, it } from 'vitest';
import { usersGroup } from '../src/processors/users.ts';
import { anyone, locationUpdate, presenceUpdate, profileUpdate } from './support.ts';

let tester: Tester;
afterEach(async () => {
  await tester?.stop();
});

describe('users group', () => {
  it('folds profile, location and presence per user, in order, with updatedAt of the last update', async () => {
    tester = createTester();
    const g = usersGroup();
    await tester.processor(g);
    await tester.consume(userUpdates.name, 'a', locationUpdate('a', 52.5, 13.4, 10));
    expect(tester.tableValue(g, 'a')).toEqual({
      user: 'a',
      online: false,
      location: { lat: 52.5, lon: 13.4 },
      updatedAt: 10,
    });
    await tester.consume(userUpdates.name, 'a', profileUpdate('a', anyone, 11));
    await tester.consume(userUpdates.name, 'a', presenceUpdate('a', true, 12));
    await tester.consume(userUpdates.name, 'a', locationUpdate('a', -33.9, 151.2, 13));
    const a = tester.tableValue(g, 'a') as UserState;
    expect(a).toEqual({
      user: 'a',
      profile: anyone,
      location: { lat: -33.9, lon: 151.2 },
      online: true,
      updatedAt: 13,
    });
    // A profile change replaces the whole profile; presence goes back off.
    const older = { ...anyone, age: 44, seeking: ['male'] as const, ageMin: 40, ageMax: 50 };
    await tester.consume(userUpdates.name, 'a', profileUpdate('a', older, 14));
    await tester.consume(userUpdates.name, 'a', presenceUpdate('a', false, 15));
    expect(tester.tableValue(g, 'a')).toMatchObject({
      profile: older,
      online: false,
      location: { lat: -33.9, lon: 151.2 },
    });
    // Keys are user ids, whatever they spell.
    for (const id of ['__proto__', 'constructor']) {
      await tester.consume(userUpdates.name, id, locationUpdate(id, 0, 0, 16));
      expect(tester.tableValue(g, id)).toMatchObject({ user: id, location: { lat: 0, lon: 0 } });
    }
    expect(tester.tableValue(g, 'b')).toBeUndefined();
  });
});
