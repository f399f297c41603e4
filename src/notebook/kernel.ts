/** One Jupyter display_data bundle: representations of one output keyed by MIME type; the frontend picks one. */
export interface DisplayBundle {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

type WriteDisplayData = (content: DisplayBundle & { transient: Record<string, unknown> }, update: boolean) => void;

/**
 * Sends a bundle to the running tslab kernel as one display; false outside a kernel (tests, scripts).
 * tslab's public `display` sends a single MIME type per output, so this uses the writer tslab keeps for
 * the executing cell (internal to tslab, pinned at 1.0.22 in package.json).
 */
export function sendDisplay(bundle: DisplayBundle): boolean {
  let write: WriteDisplayData | null = null;
  try {
    write = (require("tslab/dist/jupyter") as { lastWriteDisplayData: WriteDisplayData | null }).lastWriteDisplayData;
  } catch {
    return false;
  }
  if (!write) return false;
  write({ ...bundle, transient: {} }, false);
  return true;
}
