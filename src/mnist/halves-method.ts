import { candidatePairs, pairRecall, solveSparseAssignment, sparseMatrix, topK, type Assignment } from "../assign";
import type { MnistSplit } from "../data/mnist";
import { CrossScorer, rankingSets } from "./cross-scorer";
import { pairsRestored, recut, splitHalves, type Halves, type HalvesTask } from "./halves";
import { geometryMask, learnGeometry, type GeometryRule } from "./halves-geometry";
import { greyLevelMatch } from "./halves-grey";
import { continuityScores } from "./halves-scores";
import { StyleScorer } from "./halves-style";
import { TwoTower } from "./two-tower";

/** Everything the [01] method trains and tunes, with its knobs; the notebook picks quick or full values. */
export interface MethodOptions {
  seed: number;
  twoTowerEpochs: number;
  crossEpochs: number;
  /** Epochs of the style scorer (a small MLP over whole-half ink statistics; a fraction of a second each). */
  styleEpochs: number;
  /** Columns either side of the cut the cross scorer sees (14: the whole image). */
  band: number;
  /** The cross scorer's network: dense layers of crossHidden units, or the reference CNN. */
  crossArch?: "mlp" | "cnn";
  /** The cross scorer's Adam step size decays geometrically from the first to the second over its epochs. */
  crossLearningRate?: [number, number];
  crossHidden?: readonly number[];
  /** Items per ranking set: the true pair and setSize-1 look-alikes. */
  setSize: number;
  /** Look-alikes are drawn from each left half's hardK best candidates (two-tower plus continuity, geometry-fitting). */
  hardK: number;
  /** Each left half's and each right half's k best pairs by that candidate score become assignment candidates. */
  candidatesK: number;
  /** Training halves are matched in groups of this size, like the task, to mine look-alikes. */
  group: number;
  /**
   * Cut positions the cross scorer trains on, as offsets from the middle (default [0]): each offset adds a
   * copy of every ranking set with the same images cut there instead (more distinct true pairs).
   */
  cuts?: readonly number[];
  /** Rows the re-joined image is moved down for the cross scorer's views at scoring time, scores averaged (default [0]). */
  crossViews?: readonly number[];
  log?: (line: string) => void;
}

export interface TrainedMethod {
  options: MethodOptions;
  rule: GeometryRule;
  twoTower: TwoTower;
  cross: CrossScorer;
  style: StyleScorer;
  seconds: { geometry: number; twoTower: number; mining: number; cross: number; style: number };
  crossHistory: { epoch: number; loss: number; valLoss?: number; valAccuracy?: number }[];
}

/** A task scored by every scorer: the two-tower's dense masked scores, then candidate pairs with all features. */
export interface ScoredTask {
  n: number;
  /** Share of all pairs that fit MNIST's geometry (the rest are ruled out). */
  feasibleShare: number;
  pairs: { rows: Int32Array; cols: Int32Array };
  /** Share of left halves whose true partner is among the candidates (needs the answer key: reporting only). */
  candidateRecall?: number;
  features: { cross: Float32Array; twoTower: Float32Array; continuity: Float32Array; style: Float32Array; grey: Float32Array };
  seconds: { geometry: number; twoTower: number; candidates: number; cross: number; continuity: number; style: number; grey: number };
}

/** Weights of the other scores relative to the cross scorer's, each score in units of its spread. */
export type Weights = { twoTower: number; continuity: number; style: number; grey: number };

const since = (t0: number) => (performance.now() - t0) / 1000;

function slice(h: Halves, start: number, n: number): Halves {
  const size = h.pixels.length / h.n;
  return { n, pixels: h.pixels.subarray(start * size, (start + n) * size) };
}

/** Standard deviation of x (over the entries where mask is 1, when given). */
function spread(x: Float32Array, mask?: Uint8Array): number {
  let n = 0;
  let s = 0;
  let s2 = 0;
  for (let p = 0; p < x.length; p++) {
    if (mask && !mask[p]) continue;
    n++;
    s += x[p];
    s2 += x[p] * x[p];
  }
  const mean = s / Math.max(1, n);
  return Math.sqrt(Math.max(1e-12, s2 / Math.max(1, n) - mean * mean));
}

/**
 * The cheap scores of all pairs: geometry mask, two-tower and continuity (dense), and the candidate score
 * that picks candidates: two-tower plus continuity, each in units of its spread over the pairs that fit the
 * geometry, and -Infinity for the pairs that do not.
 */
function cheapScores(m: { rule: GeometryRule; twoTower: TwoTower }, left: Halves, right: Halves) {
  let t0 = performance.now();
  const mask = geometryMask(m.rule, left, right);
  const geometry = since(t0);
  t0 = performance.now();
  const twoTower = m.twoTower.scores(left, right);
  const twoTowerSeconds = since(t0);
  t0 = performance.now();
  const continuity = continuityScores(left, right);
  const st = spread(twoTower, mask);
  const sc = spread(continuity, mask);
  const candidate = new Float32Array(twoTower.length);
  let feasible = 0;
  for (let p = 0; p < candidate.length; p++) {
    if (mask[p]) feasible++;
    candidate[p] = mask[p] ? twoTower[p] / st + continuity[p] / sc : -Infinity;
  }
  return { twoTower, continuity, candidate, feasible: feasible / mask.length, seconds: { geometry, twoTower: twoTowerSeconds, continuity: since(t0) } };
}

/** Builds ranking sets for every group of aligned halves (left i with right i), look-alikes from masked candidates. */
function miningSets(m: { rule: GeometryRule; twoTower: TwoTower }, left: Halves, right: Halves, o: MethodOptions) {
  const parts = [];
  const identity = Int32Array.from({ length: o.group }, (_, i) => i);
  for (let g = 0; g + o.group <= left.n; g += o.group) {
    const l = slice(left, g, o.group);
    const r = slice(right, g, o.group);
    const cand = topK(cheapScores(m, l, r).candidate, o.group, o.group, o.hardK);
    for (const delta of o.cuts ?? [0]) {
      const h = recut(l, r, delta);
      parts.push(rankingSets(h.left, h.right, identity, cand, o.hardK, o.setSize, o.band, o.seed + g + 7919 * delta));
    }
  }
  const x = new Float32Array(parts.reduce((a, p) => a + p.x.length, 0));
  let off = 0;
  for (const p of parts) {
    x.set(p.x, off);
    off += p.x.length;
  }
  return { x, y: new Int32Array(parts.reduce((a, p) => a + p.y.length, 0)), shape: parts[0].shape };
}

/**
 * Trains the method on training images only: the geometry rule, the two-tower, then the cross scorer on
 * ranking sets whose look-alikes the two-tower mines within groups of training halves. The validation
 * task (built from other training images) drives the cross scorer's early stopping.
 */
export async function trainMethod(train: MnistSplit, validation: HalvesTask, o: MethodOptions): Promise<TrainedMethod> {
  const log = o.log ?? console.log;
  const halves = splitHalves(train);
  let t0 = performance.now();
  const rule = learnGeometry(halves);
  const geometry = since(t0);
  log(`geometry rule: centre of mass x ${rule.comX.map((v) => v.toFixed(3)).join("-")}, y ${rule.comY.map((v) => v.toFixed(3)).join("-")}; box ${rule.boxSizes.join("/")} px`);
  t0 = performance.now();
  const { model: twoTower } = TwoTower.train(halves.left, halves.right, { seed: o.seed, epochs: o.twoTowerEpochs, verbose: true });
  const twoTowerSeconds = since(t0);
  t0 = performance.now();
  const sets = miningSets({ rule, twoTower }, halves.left, halves.right, o);
  const v = cheapScores({ rule, twoTower }, validation.left, validation.right);
  const valSets = rankingSets(validation.left, validation.right, validation.truth, topK(v.candidate, validation.left.n, validation.right.n, o.hardK), o.hardK, o.setSize, o.band, o.seed + 1);
  const mining = since(t0);
  log(`ranking sets: ${sets.y.length.toLocaleString("en-US")} for training, ${valSets.y.length.toLocaleString("en-US")} for validation, ${o.setSize} items each`);
  t0 = performance.now();
  const [lr0, lr1] = o.crossLearningRate ?? [1e-3, 1e-3];
  const { scorer, fit } = await CrossScorer.train(sets, {
    seed: o.seed,
    modelSeed: o.seed + 1,
    band: o.band,
    arch: o.crossArch,
    hidden: o.crossHidden,
    batchSize: 64,
    epochs: o.crossEpochs,
    learningRate: (e) => lr0 * (lr1 / lr0) ** ((e - 1) / Math.max(1, o.crossEpochs - 1)),
    validation: valSets,
    earlyStopping: { patience: 2 },
  });
  const crossSeconds = since(t0);
  t0 = performance.now();
  const { scorer: style } = await StyleScorer.train(halves.left, halves.right, train.labels, rule, { seed: o.seed + 2, epochs: o.styleEpochs });
  return { options: o, rule, twoTower, cross: scorer, style, seconds: { geometry, twoTower: twoTowerSeconds, mining, cross: crossSeconds, style: since(t0) }, crossHistory: fit.history };
}

/** Scores a task with every scorer: geometry mask, two-tower and continuity on all pairs, candidates, then the cross and style scorers and the grey-level match on candidates. */
export async function scoreTask(m: TrainedMethod, task: Pick<HalvesTask, "left" | "right"> & { truth?: Int32Array }, candidatesK: number): Promise<ScoredTask> {
  const n = task.left.n;
  const cheap = cheapScores(m, task.left, task.right);
  let t0 = performance.now();
  const pairs = candidatePairs(cheap.candidate, n, task.right.n, candidatesK);
  const candidates = since(t0);
  t0 = performance.now();
  const cross = await m.cross.scorePairs(task.left, task.right, pairs.rows, pairs.cols, m.options.crossViews);
  const crossSeconds = since(t0);
  t0 = performance.now();
  const style = await m.style.scorePairs(task.left, task.right, pairs.rows, pairs.cols);
  const styleSeconds = since(t0);
  t0 = performance.now();
  const grey = greyLevelMatch(task.left, task.right, pairs.rows, pairs.cols);
  const greySeconds = since(t0);
  const at = (dense: Float32Array) => Float32Array.from(pairs.rows, (a, p) => dense[a * task.right.n + pairs.cols[p]]);
  return {
    n,
    feasibleShare: cheap.feasible,
    pairs,
    candidateRecall: task.truth ? pairRecall(pairs, task.truth) : undefined,
    features: { cross, twoTower: at(cheap.twoTower), continuity: at(cheap.continuity), style, grey },
    seconds: { ...cheap.seconds, candidates, cross: crossSeconds, style: styleSeconds, grey: greySeconds },
  };
}

const FUSED = ["twoTower", "continuity", "style", "grey"] as const;

/** The fused score of every candidate pair: cross + the weighted other features, each feature in units of its spread. */
export function fuse(t: ScoredTask, w: Weights): Float64Array {
  const f = t.features;
  const sc = spread(f.cross);
  const out = Float64Array.from(f.cross, (c) => c / sc);
  for (const k of FUSED) {
    if (!w[k]) continue;
    const scale = w[k] / spread(f[k]);
    for (let p = 0; p < out.length; p++) out[p] += scale * f[k][p];
  }
  return out;
}

/** Global one-to-one assignment over the candidates' scores (sparse solver); unmatched left halves get -1. */
export function assignCandidates(t: ScoredTask, scores: ArrayLike<number>): Assignment & { unassigned: number; seconds: number } {
  const t0 = performance.now();
  const a = solveSparseAssignment(sparseMatrix(t.n, t.n, t.pairs.rows, t.pairs.cols, scores), { maximize: true });
  return { ...a, seconds: since(t0) };
}

/** Greedy one-to-one matching over the candidates: best remaining pair first (the baseline to the assignment). */
export function greedyCandidates(t: ScoredTask, scores: ArrayLike<number>): Int32Array {
  const order = Array.from({ length: scores.length }, (_, p) => p).sort((a, b) => scores[b] - scores[a] || a - b);
  const rowToCol = new Int32Array(t.n).fill(-1);
  const taken = new Uint8Array(t.n);
  for (const p of order) {
    const a = t.pairs.rows[p];
    const b = t.pairs.cols[p];
    if (rowToCol[a] >= 0 || taken[b]) continue;
    rowToCol[a] = b;
    taken[b] = 1;
  }
  return rowToCol;
}

/**
 * Picks the fusion weights that restore the most validation pairs by coordinate ascent over a grid: from the
 * cross scorer alone, each weight in turn set to its best grid value with the others held, until a round
 * changes nothing (a full grid of four weights would cost 625 assignments). `fixed` pins weights (e.g.
 * { grey: 0 } for the fusion without that feature). Returns the best weights and every point tried.
 */
export function tuneWeights(t: ScoredTask, truth: Int32Array, o: { grid?: readonly number[]; fixed?: Partial<Weights> } = {}): { best: Weights; table: (Weights & { restored: number })[] } {
  const grid = o.grid ?? [0, 0.1, 0.2, 0.3, 0.5];
  const table: (Weights & { restored: number })[] = [];
  const tried = new Map<string, number>();
  const restored = (w: Weights) => {
    const key = FUSED.map((k) => w[k]).join();
    if (!tried.has(key)) {
      const share = pairsRestored({ truth }, assignCandidates(t, fuse(t, w)).rowToCol);
      tried.set(key, share);
      table.push({ ...w, restored: share });
    }
    return tried.get(key)!;
  };
  const best: Weights = { twoTower: 0, continuity: 0, style: 0, grey: 0, ...o.fixed };
  let score = restored(best);
  for (let changed = true; changed; ) {
    changed = false;
    for (const k of FUSED) {
      if (o.fixed?.[k] !== undefined) continue;
      for (const v of grid) {
        const r = restored({ ...best, [k]: v });
        if (r > score) {
          score = r;
          best[k] = v;
          changed = true;
        }
      }
    }
  }
  return { best, table };
}

/** The candidates' scores as a dense n x n matrix, every other pair forbidden (-Infinity): the dense solver's input. */
export function denseScores(t: ScoredTask, scores: ArrayLike<number>): Float32Array {
  const out = new Float32Array(t.n * t.n).fill(-Infinity);
  for (let p = 0; p < scores.length; p++) out[t.pairs.rows[p] * t.n + t.pairs.cols[p]] = scores[p];
  return out;
}
