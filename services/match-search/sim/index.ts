/**
 * What other packages reuse of the match-search simulator (the platform simulator, bench): the
 * brute-force oracle and the city population. `@showcase/match-search/sim`; not part of the
 * service's build: sim/ runs from sources only.
 */
export { bruteForceNearby, emptyWorld, type World } from './oracle.ts';
export { CityPopulation } from './population.ts';
