/**
 * Loaded with `node --import` in front of a service's own main.ts (test only): gives that
 * service the admin routes before createService does so itself. It records the processors and
 * views the service registers and mounts `registerAdminRoutes` just before the service starts —
 * exactly what the wiring inside createService will do — so the service under test is the real
 * one, started the way `npm start` starts it, with nothing else changed.
 */
import type { Processor, View } from '@showcase/goka';
import { Service } from '@showcase/service-kit';
import { registerAdminRoutes } from '../../../../libs/service-kit/src/admin/index.ts';

const processors = new WeakMap<Service, Processor<unknown, unknown>[]>();
const views = new WeakMap<Service, View<unknown>[]>();
const listOf = <T>(map: WeakMap<Service, T[]>, service: Service): T[] => {
  let list = map.get(service);
  if (!list) {
    list = [];
    map.set(service, list);
  }
  return list;
};

const proto = Service.prototype as unknown as {
  processor(this: Service, ...args: unknown[]): Processor<unknown, unknown>;
  view(this: Service, ...args: unknown[]): View<unknown>;
  start(this: Service, ...args: unknown[]): Promise<string>;
};
const { processor, view, start } = proto;
proto.processor = function (...args) {
  const p = processor.apply(this, args);
  listOf(processors, this).push(p);
  return p;
};
proto.view = function (...args) {
  const v = view.apply(this, args);
  listOf(views, this).push(v);
  return v;
};
proto.start = function (...args) {
  registerAdminRoutes(this.app, {
    service: this.name,
    cluster: () => this.cluster,
    processors: () => listOf(processors, this),
    views: () => listOf(views, this),
    admin: this.auth.admin,
  });
  return start.apply(this, args);
};
