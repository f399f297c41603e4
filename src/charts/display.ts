import { sendDisplay, type DisplayBundle } from "../notebook/kernel";
import { renderChart, VEGA_LITE_SCHEMA, type VegaLiteSpec } from "./render";

/**
 * The chart as one display bundle: PNG (rasterised from Vega's SVG, shown by static HTML and every
 * frontend), the Vega-Lite spec (JupyterLab prefers it and renders it interactively) and a text fallback.
 * No image/svg+xml: nbconvert 6.5 renders that empty.
 */
export async function chartBundle(spec: VegaLiteSpec, alt?: string): Promise<DisplayBundle> {
  const { png, width, height } = await renderChart(spec);
  const title = alt ?? (typeof spec.title === "string" ? spec.title : spec.description) ?? "chart";
  return {
    data: {
      "image/png": Buffer.from(png).toString("base64"),
      "application/vnd.vegalite.v5+json": { $schema: VEGA_LITE_SCHEMA, ...spec },
      "text/plain": `<Vega-Lite chart: ${title}>`,
    },
    // Shown at the chart's own size; the PNG has twice the pixels for sharp text.
    metadata: { "image/png": { width, height } },
  };
}

/**
 * Shows a chart in the running notebook as a single display. Returns nothing, so that a cell ending in
 * `await showChart(...)` does not also print the bundle as its value; outside a kernel it does nothing.
 */
export async function showChart(spec: VegaLiteSpec, alt?: string): Promise<void> {
  sendDisplay(await chartBundle(spec, alt));
}
