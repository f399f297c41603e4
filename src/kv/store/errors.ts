import type { ClassicLevel } from "classic-level";
import { UserError } from "../../errors";

/**
 * The node's durable state is damaged (bad checksum, broken invariant, unreadable LevelDB files). Raised at
 * start-up so the node stops instead of serving a log it cannot trust; the operator must repair or wipe
 * the directory and let the node catch up from its peers.
 */
export class CorruptStorageError extends UserError {
  override name = "CorruptStorageError";
}

/**
 * Opens a LevelDB directory for one of the node's stores (`what`: "raft log", "state database"). A lock
 * held by another process is the operator's mistake, not damage; any other failure to open is treated
 * as corruption, with LevelDB's own reason kept as the cause.
 */
export async function openLevel<K, V>(db: ClassicLevel<K, V>, what: string, dir: string): Promise<void> {
  try {
    await db.open();
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code === "LEVEL_LOCKED") {
      throw new UserError(`${what} in ${dir} is locked: in use by another process`, { cause: err });
    }
    throw new CorruptStorageError(`${what} in ${dir} cannot be opened (${cause?.message ?? String(err)}): the node will not start`, { cause: err });
  }
}
