import * as fs from "node:fs";
import * as path from "node:path";
import { UserError } from "./errors";

/**
 * Workspace configuration, one place: environment variables first, then the git-ignored
 * `workspace.local.json` at the project root ({ "dataMirror": "...", "mode": "quick" }), then the project's
 * committed defaults in `workspace.json`.
 *   WS_DATA_MIRROR  folder holding mirrored data sets (default: workspace.json's, where that folder exists;
 *                   "none" turns the mirror off)
 *   WS_MODE         "full" (default) or "quick" (small slices, few epochs: CI)
 */
export type RunMode = "full" | "quick";

let rootCache: string | undefined;

/** The project root: the nearest folder above this file whose package.json is the workspace's. */
export function projectRoot(): string {
  if (rootCache) return rootCache;
  let dir = __dirname;
  for (;;) {
    const pkg = path.join(dir, "package.json");
    if (fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, "utf8")).name === "ts-datascience-workspace") {
      return (rootCache = dir);
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`project root not found above ${__dirname}`);
    dir = up;
  }
}

function jsonConfig(name: string): Record<string, unknown> {
  const file = path.join(projectRoot(), name);
  if (!fs.existsSync(file)) return {};
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new UserError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
}

function setting(envName: string, key: string): string | undefined {
  const fromEnv = process.env[envName];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  return stringValue(jsonConfig("workspace.local.json"), key);
}

function stringValue(config: Record<string, unknown>, key: string): string | undefined {
  const v = config[key];
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** The project's default mirror (workspace.json), absolute, whether or not it exists here. */
export function defaultMirror(): string | undefined {
  const dir = stringValue(jsonConfig("workspace.json"), "dataMirror");
  return dir === undefined ? undefined : path.resolve(projectRoot(), dir);
}

/**
 * The data mirror folder, absolute: the configured one, else the project default where it exists (so the README's
 * commands find the data on a machine laid out like CI's); undefined when there is none or it is set to "none".
 */
export function dataMirror(): string | undefined {
  const dir = setting("WS_DATA_MIRROR", "dataMirror");
  if (dir === "none") return undefined;
  if (dir === undefined) {
    const fallback = defaultMirror();
    return fallback !== undefined && fs.existsSync(fallback) ? fallback : undefined;
  }
  const abs = path.resolve(projectRoot(), dir);
  if (!fs.existsSync(abs)) throw new UserError(`data mirror ${abs} (WS_DATA_MIRROR / dataMirror) does not exist`);
  return abs;
}

export function runMode(): RunMode {
  const mode = setting("WS_MODE", "mode") ?? "full";
  if (mode !== "full" && mode !== "quick") throw new UserError(`WS_MODE must be "full" or "quick", not "${mode}"`);
  return mode;
}

/** Where user-supplied raw data goes: data/raw/<dataset id>/ (git-ignored). */
export function userDataDir(): string {
  return path.join(projectRoot(), "data", "raw");
}

/** A git-ignored cache folder under .cache/, created on demand. */
export function cacheDir(name: string): string {
  const dir = path.join(projectRoot(), ".cache", name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
