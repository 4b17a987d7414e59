// Types for the fleet archive writer, so tests written in TypeScript can use it.
export type FleetFile =
  | { readonly path: string; readonly content?: string }
  | { readonly path: string; readonly type: 'dir' }
  | { readonly path: string; readonly type: 'symlink'; readonly target: string };
export interface FleetLayer {
  readonly files: FleetFile[];
  readonly createdBy?: string;
}
export interface FleetImage {
  readonly tags: string[];
  readonly layers: FleetLayer[];
}
export function random(seed: number): () => number;
export function writeFleetArchive(path: string, images: readonly FleetImage[]): Promise<void>;
export function deletingFleet(options: {
  readonly baseEntries?: number;
  readonly images?: number;
  readonly deleting?: boolean;
  readonly opaque?: boolean;
}): FleetImage[];
export function randomFleet(seed: number): FleetImage[];
