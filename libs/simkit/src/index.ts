export { optionInt, optionNumber } from './cli.ts';
export { exitWhenWritten } from './exit.ts';
export { Http, type HttpAnswer, Tokens } from './http.ts';
export { assertLoopback } from './loopback.ts';
export { pool, sleep } from './pool.ts';
export { dirBytes, levelDbLogBytes, openDescriptors, rssBytes } from './proc.ts';
export { mulberry32Step, pick, Random, seeded } from './random.ts';
export { type Classification, classification, quantile, type Summary, summary } from './stats.ts';
export { type TableOptions, textTable } from './table.ts';
