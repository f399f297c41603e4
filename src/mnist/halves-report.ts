import type { VegaLiteSpec } from "../charts";
import { MNIST_PIXELS, MNIST_SIDE } from "../data/mnist";
import { joinPairs, type HalvesTask } from "./halves";

/** Digit of each right-pile half (from the answer key; reporting only). */
function rightLabels(task: HalvesTask): Uint8Array {
  const out = new Uint8Array(task.truth.length);
  task.truth.forEach((b, a) => (out[b] = task.labels[a]));
  return out;
}

/** Pairs restored per digit of the left half, and how the wrong pairs went. */
export function errorAnalysis(task: HalvesTask, leftToRight: ArrayLike<number>) {
  const right = rightLabels(task);
  const perDigit = Array.from({ length: 10 }, (_, digit) => ({ digit, pairs: 0, restored: 0 }));
  let wrong = 0;
  let sameDigit = 0;
  let unmatched = 0;
  task.truth.forEach((b, a) => {
    const d = perDigit[task.labels[a]];
    d.pairs++;
    const got = leftToRight[a];
    if (got === b) d.restored++;
    else if (got < 0) unmatched++;
    else {
      wrong++;
      if (right[got] === task.labels[a]) sameDigit++;
    }
  });
  return {
    perDigit: perDigit.map((d) => ({ ...d, accuracy: d.pairs ? d.restored / d.pairs : 0 })),
    wrongPairs: wrong,
    unmatched,
    /** Share of wrong pairs that join two halves of the same digit. */
    sameDigitShare: wrong ? sameDigit / wrong : 0,
  };
}

/**
 * A grid of failures: for each, the pair the method chose and the true pair, re-joined. Left-half ink is
 * drawn black and right-half ink blue, so the cut and each half's owner are visible.
 */
export function failureGridSpec(task: HalvesTask, leftToRight: ArrayLike<number>, count: number, title: string): VegaLiteSpec {
  const failures: number[] = [];
  for (let a = 0; a < task.truth.length && failures.length < count; a++) if (leftToRight[a] >= 0 && leftToRight[a] !== task.truth[a]) failures.push(a);
  const rows: { failure: string; pair: string; row: number; col: number; ink: number }[] = [];
  const chosen = joinPairs(task.left, task.right, failures, failures.map((a) => leftToRight[a]));
  const truth = joinPairs(task.left, task.right, failures, failures.map((a) => task.truth[a]));
  failures.forEach((a, f) => {
    for (const [pair, img] of [["chosen", chosen], ["true", truth]] as const)
      for (let p = 0; p < MNIST_PIXELS; p++) {
        const v = img[f * MNIST_PIXELS + p];
        const col = p % MNIST_SIDE;
        if (v) rows.push({ failure: `#${a} (${task.labels[a]})`, pair, row: Math.floor(p / MNIST_SIDE), col, ink: (col < MNIST_SIDE / 2 ? 1 : -1) * (v / 255) });
      }
  });
  return {
    title,
    data: { values: rows },
    facet: { row: { field: "pair", type: "nominal", title: null }, column: { field: "failure", type: "nominal", title: "left half # (digit)", sort: null } },
    spec: {
      width: 56,
      height: 56,
      mark: "rect",
      encoding: {
        x: { field: "col", type: "ordinal", axis: null, scale: { domain: Array.from({ length: MNIST_SIDE }, (_, i) => i) } },
        y: { field: "row", type: "ordinal", axis: null, scale: { domain: Array.from({ length: MNIST_SIDE }, (_, i) => i) } },
        color: { field: "ink", type: "quantitative", legend: null, scale: { domain: [-1, 0, 1], range: ["#1f5fbf", "white", "black"] } },
      },
    },
    config: { view: { stroke: "#ccc" } },
  } as VegaLiteSpec;
}
