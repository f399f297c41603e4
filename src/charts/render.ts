import { Resvg } from "@resvg/resvg-js";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

export type VegaLiteSpec = TopLevelSpec;

export const VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

/** Compiles a Vega-Lite spec and renders it headless to an SVG string (Vega's own SVG renderer). */
export async function specToSvg(spec: VegaLiteSpec): Promise<string> {
  const { spec: vgSpec } = compile({ $schema: VEGA_LITE_SCHEMA, ...spec } as TopLevelSpec);
  const view = new vega.View(vega.parse(vgSpec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterises an SVG to PNG bytes on a white background; scale 2 keeps text sharp on high-DPI screens. */
export function svgToPng(svg: string, scale = 2): Uint8Array {
  const resvg = new Resvg(svg, {
    background: "white",
    fitTo: { mode: "zoom", value: scale },
    // Vega asks for "sans-serif"; name a font Debian's fonts-dejavu-core provides, system fonts as fallback.
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans", sansSerifFamily: "DejaVu Sans" },
  });
  return resvg.render().asPng();
}

export interface RenderedChart {
  spec: VegaLiteSpec;
  svg: string;
  png: Uint8Array;
  /** The chart's size in CSS pixels (the PNG is `scale` times larger). */
  width: number;
  height: number;
}

export async function renderChart(spec: VegaLiteSpec, scale = 2): Promise<RenderedChart> {
  const svg = await specToSvg(spec);
  const size = /<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
  return { spec, svg, png: svgToPng(svg, scale), width: Number(size?.[1] ?? 0), height: Number(size?.[2] ?? 0) };
}
