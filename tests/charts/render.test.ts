import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { barChart, chartBundle, histogram, renderChart, svgToPng } from "../../src/charts";
import { assertChartVisible } from "../../src/notebook/render-check";
import { tempDir } from "../support/tmp";

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Uint8Array): { width: number; height: number } {
  assert.deepEqual(Array.from(png.subarray(0, 8)), [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], "PNG signature");
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

const spec = barChart({
  title: "Images per digit",
  rows: [
    { digit: 0, n: 980 },
    { digit: 1, n: 1135 },
    { digit: 2, n: 1032 },
  ],
  x: { field: "digit", title: "digit (label)" },
  y: { field: "n", title: "test images" },
});

describe("charts/render", () => {
  const dir = tempDir();

  it("renders a Vega-Lite spec to SVG with its marks, title and axis titles", async () => {
    const { svg, width, height } = await renderChart(spec);
    assert.ok(svg.startsWith("<svg"));
    assert.equal((svg.match(/<path[^>]*aria-roledescription="bar"/g) ?? []).length, 3, "three bars");
    assert.match(svg, /class="mark-rect role-mark marks"/);
    for (const text of ["Images per digit", "digit (label)", "test images"]) assert.ok(svg.includes(`>${text}</text>`), `text ${text}`);
    assert.ok(width > 400 && height > 220, `${width}x${height}`);
  });

  it("rasterises to a PNG twice the chart's size", async () => {
    const { png, width, height } = await renderChart(spec);
    assert.deepEqual(pngSize(png), { width: Math.round(width * 2), height: Math.round(height * 2) });
    assert.ok(png.length > 5000, `${png.length} bytes`);
  });

  it("renders a layered histogram with a legend", async () => {
    const { svg } = await renderChart(histogram({ title: "Scores", values: [0.1, 0.2, 0.2, 0.9], x: "score", color: { field: "g", values: ["a", "a", "b", "b"], title: "pair" } }));
    assert.ok(svg.includes(">pair</text>") && svg.includes(">score</text>"));
  });

  it("bundles PNG, the Vega-Lite spec and text as one display, sized for the page", async () => {
    const b = await chartBundle(spec);
    assert.deepEqual(Object.keys(b.data).sort(), ["application/vnd.vegalite.v5+json", "image/png", "text/plain"]);
    assert.match(String((b.data["application/vnd.vegalite.v5+json"] as { $schema: string }).$schema), /vega-lite\/v5/);
    assert.match(b.data["text/plain"] as string, /Images per digit/);
    const meta = b.metadata["image/png"] as { width: number; height: number };
    assert.ok(meta.width > 0 && meta.height > 0);
  });

  it("shows in headless Chromium as a visible, non-blank image", async function () {
    this.timeout(60000);
    const b = await chartBundle(spec);
    const page = path.join(dir, "chart.html");
    fs.writeFileSync(page, `<html><body><h1>chart</h1><img src="data:image/png;base64,${b.data["image/png"]}"></body></html>`);
    const c = await assertChartVisible(page);
    assert.ok(c.ink > 0.05, `ink ${c.ink}`);
  });

  it("fails the Chromium check for a blank image", async function () {
    this.timeout(60000);
    const blank = svgToPng('<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"><rect width="200" height="100" fill="white"/></svg>');
    const page = path.join(dir, "blank.html");
    fs.writeFileSync(page, `<html><body><img src="data:image/png;base64,${Buffer.from(blank).toString("base64")}"></body></html>`);
    await assert.rejects(assertChartVisible(page), /blank on screen/);
  });
});
