import { defineGroup, input, persist } from '@showcase/goka';
import { FEATURE_FLOORS, FEATURE_NAMES } from '../features.ts';
import { learn, vote } from '../model/learn.ts';
import { emptyModel, type ModelConfig } from '../model/state.ts';
import { defaultTopology, labels, MODEL_KEY, points, type Topology, tables } from '../topics.ts';

/**
 * The model (key = MODEL_KEY, one row): learns from the points the features group samples and
 * keeps its state in the group table, so it survives restarts and every instance reads the same
 * model through a view. One key is one partition's work: the features group sends a sampled
 * point every few own events of a user, which keeps this group far below the event rate.
 * Points with another key are ignored (nobody else writes this topic).
 */
export function modelGroup(config: ModelConfig, topology: Topology = defaultTopology) {
  return defineGroup(
    topology.model,
    persist(tables.model.codec),
    input(topology.points, points.codec, (ctx, point) => {
      if (ctx.key !== MODEL_KEY || point.x.length !== FEATURE_NAMES.length) return;
      if (!point.x.every((v) => Number.isFinite(v))) return;
      const model = ctx.value() ?? emptyModel(FEATURE_NAMES.length, config.seed, point.at);
      ctx.setValue(learn(model, point, config, FEATURE_FLOORS));
    }),
    input(topology.labels, labels.codec, (ctx, v) => {
      const model = ctx.value();
      if (ctx.key !== MODEL_KEY || !model) return;
      ctx.setValue(vote(model, v.segment, v.label));
    }),
  );
}
