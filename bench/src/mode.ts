/** How long the benchmark runs: full (the sizes) or quick (proves the plumbing, in CI). */
export type Mode = 'full' | 'quick';
