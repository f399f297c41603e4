// Rewrites the traceability table in infra/pulumi/README.md from infra/pulumi/checklist.ts:
//   npx tsx scripts/infra-traceability.ts
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { traceabilityMarkdown } from "../infra/pulumi/checklist";

const file = join(__dirname, "../infra/pulumi/README.md");
const marked = /<!-- traceability:start -->[\s\S]*<!-- traceability:end -->/;
const text = readFileSync(file, "utf8");
if (!marked.test(text)) throw new Error(`${file}: no <!-- traceability:start/end --> markers`);
writeFileSync(file, text.replace(marked, `<!-- traceability:start -->\n${traceabilityMarkdown()}\n<!-- traceability:end -->`));
console.log(`updated ${file}`);
