import type { VegaLiteSpec } from "./render";

/** Small builders for the chart shapes notebooks use most; anything else is a plain Vega-Lite spec. */

type Row = Record<string, unknown>;
type Axis = { field: string; title: string };

export function barChart(o: { title: string; rows: Row[]; x: Axis & { ordinal?: boolean }; y: Axis; width?: number; height?: number }): VegaLiteSpec {
  return {
    title: o.title,
    width: o.width ?? 400,
    height: o.height ?? 220,
    data: { values: o.rows },
    mark: { type: "bar", tooltip: true },
    encoding: {
      x: { field: o.x.field, type: o.x.ordinal === false ? "quantitative" : "ordinal", title: o.x.title, axis: { labelAngle: 0 } },
      y: { field: o.y.field, type: "quantitative", title: o.y.title },
    },
  };
}

export function histogram(o: { title: string; values: number[]; x: string; maxbins?: number; color?: { field: string; values: string[]; title: string } }): VegaLiteSpec {
  const rows = o.values.map((v, i) => (o.color ? { value: v, group: o.color.values[i] } : { value: v }));
  return {
    title: o.title,
    width: 400,
    height: 220,
    data: { values: rows },
    mark: { type: "bar", opacity: o.color ? 0.6 : 1 },
    encoding: {
      x: { field: "value", type: "quantitative", bin: { maxbins: o.maxbins ?? 40 }, title: o.x },
      y: { aggregate: "count", type: "quantitative", title: "count", stack: null },
      ...(o.color ? { color: { field: "group", type: "nominal", title: o.color.title } } : {}),
    },
  };
}

/** Lines of y against x, one per value of `color` when given; `scale` picks log or symlog axes. */
export function lineChart(o: { title: string; rows: Row[]; x: Axis & { scale?: object }; y: Axis & { scale?: object }; color?: Axis; rules?: Row[]; width?: number; height?: number }): VegaLiteSpec {
  const enc = (a: Axis & { scale?: object }) => ({ field: a.field, type: "quantitative", title: a.title, ...(a.scale ? { scale: a.scale } : {}) });
  const line = {
    mark: { type: "line", tooltip: true },
    encoding: { x: enc(o.x), y: enc(o.y), ...(o.color ? { color: { field: o.color.field, type: "nominal", title: o.color.title } } : {}) },
  };
  return {
    title: o.title,
    width: o.width ?? 420,
    height: o.height ?? 240,
    data: { values: o.rows },
    ...(o.rules
      ? { layer: [line, { data: { values: o.rules }, mark: { type: "rule", strokeDash: [4, 3], color: "#c00" }, encoding: { y: { field: o.y.field, type: "quantitative" } } }] }
      : line),
  } as VegaLiteSpec;
}
