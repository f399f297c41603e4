/**
 * What a Raft snapshot's `data` holds for the distributed LevelDB: not the state itself but a pointer to
 * the snapshot file (streamed between peers on demand) plus the address book at that point.
 */
import type { AddressMap } from "./addresses";

export interface SnapshotDescriptor {
  /** File name under <dataDir>/snapshots. */
  file: string;
  sha256: string;
  bytes: number;
  members: AddressMap;
}

const FILE = /^snap-\d{16}\.kvsnap$/;

export function snapshotFileName(index: number): string {
  return `snap-${String(index).padStart(16, "0")}.kvsnap`;
}

export function isSnapshotFileName(name: string): boolean {
  return FILE.test(name);
}

/** The descriptor in a snapshot's data, or undefined for the bootstrap snapshot (index 0, data ""). */
export function readSnapshotDescriptor(data: string): SnapshotDescriptor | undefined {
  if (data === "") return undefined;
  const d = JSON.parse(data) as SnapshotDescriptor;
  if (!isSnapshotFileName(d.file) || typeof d.sha256 !== "string") throw new Error(`bad snapshot descriptor: ${data.slice(0, 200)}`);
  return d;
}
