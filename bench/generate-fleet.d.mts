// Types for the fleet generator, so tests written in TypeScript can use it.
export interface FleetOptions {
  readonly images: number;
  readonly bases?: number;
  readonly seed?: number;
  readonly duplicateEvery?: number;
  readonly uncompressedEvery?: number;
  readonly form?: 'reports' | 'ndjson';
}
export function fleetImages(options: FleetOptions): Generator<Record<string, unknown>>;
export function writeFleet(dir: string, options: FleetOptions): Promise<{ dir?: string; file?: string; count: number }>;
/** mulberry32: small, fast, and the same numbers on every machine. */
export function random(seed: number): () => number;
