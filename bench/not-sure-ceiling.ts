// [02] Where coverage stops for these CNN ensembles: a diagnosis on the TEST labels, never used to choose anything.
//   npm run bench:not-sure              full: trains four x 6, three x 12 and two x 16 deep CNNs on notebook 02's full
//                                       splits, seed and augmentation (about 80 minutes on 2 cores; cached after)
//   npm run bench:not-sure -- --quick   small splits, one epoch: checks the path in a minute
// For each ensemble (two x 12 is notebook 02's: the first two members of three x 12) it prints the notebook's decision
// rule on test (thresholds from calibration), the test errors, how many are still accepted after declining the least
// confident (1 - 99.3%) of the test images, and the best coverage any per-class thresholds reach when picked on the
// test labels themselves (at most floor(0.00015 x negatives) false positives per class): the ceiling of the ranking.
import * as fs from "node:fs";
import * as path from "node:path";
import { cacheDir } from "../src/config";
import { loadMnist, type MnistSplit } from "../src/data";
import { runMain } from "../src/errors";
import { initBackend } from "../src/ml";
import { CnnEnsemble, notSureSplits } from "../src/mnist";
import { calibrationTarget, coverage, ensembleView, perClassRates, SelectivePredictor, type EnsembleView, type ScoreKind } from "../src/selective";

const TARGET_FPR = 0.00015;
const TARGET_COVERAGE = 0.993;
const KINDS: ScoreKind[] = ["mean", "margin", "min"];
// As notebook 02: its splits, seed, augmentation and test-time views.
const VIEWS: [number, number][] = [[0, 0], [1, 0], [-1, 0], [0, 1], [0, -1]];
const TRAINED = [
  { name: "4x6", members: 4, epochs: 6 },
  { name: "3x12", members: 3, epochs: 12 },
  { name: "2x16", members: 2, epochs: 16 },
];

interface Dump {
  cal: Float32Array[];
  test: Float32Array[];
}

/** Member probabilities on calibration and test: from the cache, else trained and cached (labels, then each member's n x 10). */
async function members(o: { name: string; members: number; epochs: number }, splits: ReturnType<typeof notSureSplits>, dir: string): Promise<Dump> {
  const file = (part: string) => path.join(dir, `${o.name}-${part}.bin`);
  const read = (part: string, s: MnistSplit) => {
    const b = fs.readFileSync(file(part));
    if (!b.subarray(0, s.n).equals(Buffer.from(s.labels))) throw new Error(`${file(part)} holds other images: delete it`);
    return Array.from({ length: (b.length - s.n) / (s.n * 40) }, (_, m) => new Float32Array(b.buffer.slice(b.byteOffset + s.n + m * s.n * 40, b.byteOffset + s.n + (m + 1) * s.n * 40)));
  };
  if (!fs.existsSync(file("test"))) {
    const { ensemble, seconds } = await CnnEnsemble.train(splits.train, { members: o.members, epochs: o.epochs, seed: 7, maxShift: 2, arch: "deep", log: (l) => console.error(`[${o.name}] ${l}`) });
    console.error(`[${o.name}] trained in ${seconds.toFixed(0)} s`);
    for (const [part, s] of [["cal", splits.calibration], ["test", splits.test]] as const) {
      const probs = await ensemble.probabilities(s, VIEWS);
      fs.writeFileSync(file(part), Buffer.concat([Buffer.from(s.labels), ...probs.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength))]));
    }
    ensemble.dispose();
  }
  return { cal: read("cal", splits.calibration), test: read("test", splits.test) };
}

function row(name: string, d: Dump, splits: ReturnType<typeof notSureSplits>, calibrationFpr: number) {
  const cal = ensembleView(d.cal, 10);
  const test = ensembleView(d.test, 10);
  const labels = splits.test.labels;
  // The notebook's rule: per-class thresholds from calibration (pooled floor), the score kind with the best calibration coverage.
  const rules = KINDS.map((kind) => {
    const sp = SelectivePredictor.calibrate(cal, splits.calibration.labels, 10, calibrationFpr, kind, { pooled: true });
    return { sp, calibrationCoverage: coverage(sp.decide(cal)) };
  });
  const decided = rules.reduce((a, b) => (b.calibrationCoverage > a.calibrationCoverage ? b : a)).sp.decide(test);
  const errors = Array.from(test.predicted.keys()).filter((i) => test.predicted[i] !== labels[i]);
  const declined = new Set(rankedBy(test).slice(0, Math.floor((1 - TARGET_COVERAGE) * splits.test.n + 1e-9)));
  const accepted = errors.filter((i) => !declined.has(i));
  const perClass = Array.from({ length: 10 }, (_, c) => accepted.filter((i) => test.predicted[i] === c).length);
  // The ceiling: thresholds chosen on the test labels themselves, each class at its own false-positive budget.
  const oracle = Math.max(...KINDS.map((kind) => coverage(SelectivePredictor.calibrate(test, labels, 10, TARGET_FPR, kind).decide(test))));
  return {
    ensemble: name,
    members: d.test.length,
    "test errors": errors.length,
    "rule coverage": pct(coverage(decided)),
    "rule false positives": perClassRates(labels, decided, 10).reduce((a, r) => a + r.falsePositives, 0),
    [`errors accepted at ${pct(TARGET_COVERAGE)}`]: accepted.length,
    "most in one class": Math.max(...perClass),
    "ceiling (test-chosen thresholds)": pct(oracle),
  };
}

/** Test images from least to most confident (averaged probability of the predicted class). */
function rankedBy(v: EnsembleView): number[] {
  return Array.from(v.mean.keys()).sort((a, b) => v.mean[a] - v.mean[b] || a - b);
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

async function main(): Promise<void> {
  const quick = process.argv.includes("--quick");
  await initBackend();
  const sizes = quick ? { train: 6000, calibration: 2000, heldOut: 2000, testOfficial: 2000 } : { train: 45000, calibration: 7500, heldOut: 7500, testOfficial: 10000 };
  const splits = notSureSplits(await loadMnist(), sizes);
  const calibrationFpr = calibrationTarget(TARGET_FPR, sizes.calibration * 9, (sizes.heldOut + sizes.testOfficial) * 0.9);
  const dir = cacheDir(quick ? "not-sure-ceiling-quick" : "not-sure-ceiling");
  const configs = quick ? TRAINED.map((t) => ({ ...t, epochs: 1 })) : TRAINED;
  const dumps = new Map<string, Dump>();
  for (const t of configs) dumps.set(t.name, await members(t, splits, dir));
  const take = (name: string, n?: number): Dump => ({ cal: dumps.get(name)!.cal.slice(0, n), test: dumps.get(name)!.test.slice(0, n) });
  const all: Dump = { cal: [...dumps.values()].flatMap((d) => d.cal), test: [...dumps.values()].flatMap((d) => d.test) };
  const label = (name: string) => (quick ? `${name}, QUICK: 1 epoch` : name);
  const rows = [
    row(label("two x 12 (notebook 02)"), take("3x12", 2), splits, calibrationFpr),
    row(label("four x 6"), take("4x6"), splits, calibrationFpr),
    row(label("three x 12"), take("3x12"), splits, calibrationFpr),
    row(label("two x 16"), take("2x16"), splits, calibrationFpr),
    row(label("all of them"), all, splits, calibrationFpr),
  ];
  console.log(`${quick ? "QUICK (small splits, one epoch): " : ""}${splits.test.n} test images; member probabilities in ${dir}`);
  console.table(rows);
}

runMain(main);
