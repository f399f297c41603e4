import type { VegaLiteSpec } from "../charts/render";
import { MNIST_PIXELS, MNIST_SIDE, type MnistSplit } from "../data/mnist";
import type { ClassRates } from "../selective";

/** A confusion matrix as table rows: true digit, one column per predicted digit, and not_sure when counted. */
export function confusionRows(m: number[][]): Record<string, number | string>[] {
  const classes = m.length;
  return m.map((row, t) => {
    const r: Record<string, number | string> = { "true \\ predicted": t };
    for (let p = 0; p < classes; p++) r[String(p)] = row[p];
    if (row[classes] !== undefined && m.some((x) => x[classes] > 0)) r.not_sure = row[classes];
    return r;
  });
}

/** Per-class rates as table rows with exact counts and the Clopper-Pearson bound. */
export function ratesRows(rates: ClassRates[]): Record<string, number | string>[] {
  return rates.map((r) => ({
    digit: r.cls,
    positives: r.positives,
    negatives: r.negatives,
    "true positives": r.truePositives,
    "false positives": r.falsePositives,
    TPR: r.tpr,
    FPR: r.fpr,
    "FPR 95% upper (Clopper-Pearson)": r.fprUpper95,
  }));
}

/** A grid of digits (up to `columns` a row), each titled by its caption. */
export function digitGridSpec(split: MnistSplit, indices: number[], captions: string[], title: string, columns = 10): VegaLiteSpec {
  const rows: { cell: string; order: number; row: number; col: number; ink: number }[] = [];
  indices.forEach((i, k) => {
    for (let p = 0; p < MNIST_PIXELS; p++) {
      const v = split.images[i * MNIST_PIXELS + p];
      if (v) rows.push({ cell: captions[k], order: k, row: Math.floor(p / MNIST_SIDE), col: p % MNIST_SIDE, ink: v / 255 });
    }
  });
  const domain = Array.from({ length: MNIST_SIDE }, (_, i) => i);
  return {
    title,
    data: { values: rows },
    facet: { field: "cell", type: "nominal", title: null, sort: { field: "order" }, header: { labelFontSize: 9 } },
    columns,
    spec: {
      width: 42,
      height: 42,
      mark: "rect",
      encoding: {
        x: { field: "col", type: "ordinal", axis: null, scale: { domain } },
        y: { field: "row", type: "ordinal", axis: null, scale: { domain } },
        color: { field: "ink", type: "quantitative", legend: null, scale: { domain: [0, 1], range: ["white", "black"] } },
      },
    },
    config: { view: { stroke: "#ccc" } },
  } as VegaLiteSpec;
}
