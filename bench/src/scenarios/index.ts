import type { Scenario } from '../scenario.ts';
import { consume } from './consume.ts';
import { produce } from './produce.ts';
import { recovery } from './recovery.ts';
import { stateful } from './stateful.ts';
import { viewReads } from './view-reads.ts';

/** In run order: later scenarios may use earlier figures as baselines (3 uses 2's raw rate). */
export const SCENARIOS: readonly Scenario[] = [produce, consume, stateful, recovery, viewReads];

export function scenarioByName(name: string): Scenario {
  const scenario = SCENARIOS.find((s) => s.name === name);
  if (!scenario)
    throw new Error(`unknown scenario "${name}" (known: ${SCENARIOS.map((s) => s.name).join(', ')})`);
  return scenario;
}
