export { renderChart, specToSvg, svgToPng, VEGA_LITE_SCHEMA, type RenderedChart, type VegaLiteSpec } from "./render";
export { chartBundle, showChart } from "./display";
export { barChart, histogram, lineChart } from "./specs";
