/**
 * A node's data directory: node.json (which node it belongs to), raft/ (the log), state/ (the LevelDB
 * state machine) and snapshots/ (snapshot files, served to peers that fall behind).
 */
import { existsSync, promises as fs } from "node:fs";
import { join } from "node:path";
import { UserError } from "../../errors";

export const dataPaths = (dataDir: string) => ({
  raft: join(dataDir, "raft"),
  state: join(dataDir, "state"),
  snapshots: join(dataDir, "snapshots"),
});

/** Keeps the newest two snapshot files: the current one, and the previous while a transfer may still read it. */
export async function pruneSnapshots(dir: string, current: string): Promise<void> {
  const files = (await fs.readdir(dir)).filter((f) => f.startsWith("snap-") && !f.endsWith(".part")).sort();
  const keep = new Set([current, ...files.slice(-2)]);
  for (const f of files) if (!keep.has(f)) await fs.rm(join(dir, f), { force: true });
}

/** A data directory belongs to one node id for ever: starting it under another id would corrupt the cluster. */
export async function checkIdentity(dataDir: string, id: number): Promise<void> {
  const file = join(dataDir, "node.json");
  if (!existsSync(file)) {
    await fs.writeFile(file, JSON.stringify({ id }) + "\n");
    return;
  }
  let stored: unknown;
  try {
    stored = JSON.parse(await fs.readFile(file, "utf8")).id;
  } catch (err) {
    throw new UserError(`${file} is corrupt (${(err as Error).message}); the node will not start`);
  }
  if (stored !== id) throw new UserError(`${dataDir} belongs to node ${String(stored)}, not node ${id}`);
}
