import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { UserError } from "../errors";

export interface ImageCheck {
  /** PNG images in the page's outputs. */
  images: number;
  /** Size of the first one as laid out, CSS pixels. */
  width: number;
  height: number;
  /** Share of its on-screen pixels that are not near-white: 0 means blank. */
  ink: number;
}

/** Debian's Chromium unless WS_CHROMIUM names another; flags as this machine kind needs (closed network). */
function chromiumPath(): string {
  const exe = process.env.WS_CHROMIUM ?? "/usr/bin/chromium";
  if (!fs.existsSync(exe)) throw new UserError(`Chromium not found at ${exe}: run scripts/setup.sh or set WS_CHROMIUM`);
  return exe;
}

const FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/**
 * Opens a rendered page in headless Chromium (network requests other than file: blocked), finds the
 * first PNG output, and measures it as a person would see it: laid-out size and a screenshot of where it stands.
 */
export async function checkFirstImage(htmlFile: string): Promise<ImageCheck> {
  if (!fs.existsSync(htmlFile)) throw new UserError(`${htmlFile} does not exist`);
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: FLAGS, headless: true });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.route("**/*", (route) => (route.request().url().startsWith("file:") || route.request().url().startsWith("data:") ? route.continue() : route.abort()));
    await page.goto(pathToFileURL(path.resolve(htmlFile)).href, { waitUntil: "load" });
    const imgs = page.locator('img[src^="data:image/png"]');
    const images = await imgs.count();
    if (images === 0) return { images, width: 0, height: 0, ink: 0 };
    const first = imgs.first();
    await first.scrollIntoViewIfNeeded();
    const box = await first.boundingBox();
    if (!box || box.width < 1 || box.height < 1) return { images, width: box?.width ?? 0, height: box?.height ?? 0, ink: 0 };
    const shot = await page.screenshot({ clip: box });
    // Decode the screenshot in the browser itself (no PNG decoder dependency) and count non-white pixels.
    const ink = await page.evaluate(async (b64: string) => {
      // Runs in the page: DOM types are not in this Node project's lib, hence the loose typing.
      const g = globalThis as any; // eslint-disable-line @typescript-eslint/no-explicit-any
      const img = new g.Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = g.document.createElement("canvas");
      c.width = img.width;
      c.height = img.height;
      const ctx = c.getContext("2d");
      ctx.drawImage(img, 0, 0);
      const px: Uint8ClampedArray = ctx.getImageData(0, 0, c.width, c.height).data;
      let inked = 0;
      for (let i = 0; i < px.length; i += 4) if (px[i] < 225 || px[i + 1] < 225 || px[i + 2] < 225) inked++;
      return inked / (px.length / 4);
    }, shot.toString("base64"));
    return { images, width: box.width, height: box.height, ink };
  } finally {
    await browser.close();
  }
}

/** Throws unless the page shows a chart image of real size that is not blank. */
export async function assertChartVisible(htmlFile: string): Promise<ImageCheck> {
  const c = await checkFirstImage(htmlFile);
  if (c.images === 0) throw new Error(`${htmlFile}: no PNG chart in the page`);
  if (c.width < 50 || c.height < 50) throw new Error(`${htmlFile}: the chart is laid out at ${c.width}x${c.height} px`);
  if (c.ink < 0.01) throw new Error(`${htmlFile}: the chart's area is blank on screen (${(c.ink * 100).toFixed(2)}% ink)`);
  return c;
}
