/** The bundle's body (dist/main.cjs), loaded by src/launch.ts once a fast path does not apply. */
export { main } from './cli.ts';
