import { UserError } from "../../errors";

/**
 * The node's durable state is damaged (bad checksum, broken invariant, unreadable LevelDB files). Raised at
 * start-up so the node stops instead of serving a log it cannot trust; the operator must repair or wipe
 * the directory and let the node catch up from its peers.
 */
export class CorruptStorageError extends UserError {
  override name = "CorruptStorageError";
}
