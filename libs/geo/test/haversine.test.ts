import { describe, expect, it } from 'vitest';
import { EARTH_RADIUS_KM, haversineKm } from '../src/index.ts';

describe('haversineKm', () => {
  it('is zero for one point and half the circumference for antipodes', () => {
    expect(haversineKm({ lat: 10, lon: 20 }, { lat: 10, lon: 20 })).toBe(0);
    expect(haversineKm({ lat: 0, lon: 0 }, { lat: 0, lon: 180 })).toBeCloseTo(Math.PI * EARTH_RADIUS_KM, 6);
    expect(haversineKm({ lat: 90, lon: 0 }, { lat: -90, lon: 0 })).toBeCloseTo(Math.PI * EARTH_RADIUS_KM, 6);
  });

  it('treats lon 179.99 and -179.99 as neighbours', () => {
    const d = haversineKm({ lat: 0, lon: 179.99 }, { lat: 0, lon: -179.99 });
    expect(d).toBeCloseTo(0.02 * (Math.PI / 180) * EARTH_RADIUS_KM, 6);
  });

  it('matches a known city distance (Berlin–Hamburg ≈ 255 km) and is symmetric', () => {
    const berlin = { lat: 52.52, lon: 13.405 };
    const hamburg = { lat: 53.5511, lon: 9.9937 };
    expect(haversineKm(berlin, hamburg)).toBeGreaterThan(250);
    expect(haversineKm(berlin, hamburg)).toBeLessThan(260);
    expect(haversineKm(berlin, hamburg)).toBe(haversineKm(hamburg, berlin));
  });

  it('distinguishes lat from lon (swapping them changes the distance)', () => {
    const a = { lat: 60, lon: 10 };
    const b = { lat: 60, lon: 11 };
    const swapped = haversineKm({ lat: a.lon, lon: a.lat }, { lat: b.lon, lon: b.lat });
    expect(haversineKm(a, b)).not.toBeCloseTo(swapped, 1);
  });
});
