import pl from "nodejs-polars";
import type { VegaLiteSpec } from "../charts";
import { MNIST_PIXELS, MNIST_SIDE, type Mnist, type MnistSplit } from "../data/mnist";

/** Images per digit in each split, as a polars frame: digit, train, test, test_share. */
export function labelCounts(m: Mnist): pl.DataFrame {
  const frame = (split: MnistSplit, name: string) =>
    pl.DataFrame([pl.Series("digit", Array.from(split.labels), pl.Int32)]).groupBy("digit").agg(pl.col("digit").count().alias(name));
  return frame(m.train, "train")
    .join(frame(m.test, "test"), { on: "digit" })
    .withColumns(pl.col("test").cast(pl.Float64).div(pl.col("train").add(pl.col("test"))).alias("test_share"))
    .sort("digit");
}

/** The mean image of each digit, as rows {digit, row, col, ink} for a faceted heatmap. */
export function meanDigitRows(split: MnistSplit): { digit: number; row: number; col: number; ink: number }[] {
  const sums = new Float64Array(10 * MNIST_PIXELS);
  const counts = new Float64Array(10);
  for (let i = 0; i < split.n; i++) {
    const d = split.labels[i];
    counts[d]++;
    const base = i * MNIST_PIXELS;
    for (let p = 0; p < MNIST_PIXELS; p++) sums[d * MNIST_PIXELS + p] += split.images[base + p];
  }
  const rows = [];
  for (let d = 0; d < 10; d++) {
    for (let p = 0; p < MNIST_PIXELS; p++) {
      rows.push({ digit: d, row: Math.floor(p / MNIST_SIDE), col: p % MNIST_SIDE, ink: counts[d] ? sums[d * MNIST_PIXELS + p] / counts[d] / 255 : 0 });
    }
  }
  return rows;
}

export function meanDigitSpec(rows: ReturnType<typeof meanDigitRows>, title: string): VegaLiteSpec {
  return {
    title,
    data: { values: rows },
    facet: { field: "digit", type: "ordinal", title: null },
    columns: 10,
    spec: {
      width: 56,
      height: 56,
      mark: "rect",
      encoding: {
        x: { field: "col", type: "ordinal", axis: null },
        y: { field: "row", type: "ordinal", axis: null },
        color: { field: "ink", type: "quantitative", title: "mean ink", scale: { domain: [0, 1], range: ["white", "black"] } },
      },
    },
    config: { view: { stroke: null } },
  } as VegaLiteSpec;
}
