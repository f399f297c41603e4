/**
 * Words for the lexical rankers (BM25, LSA): lower-cased, accents folded (NFKD also splits ligatures
 * such as "ﬁ" that PDF-extracted abstracts contain), split on anything that is not a letter or digit,
 * English stop words and bare numbers dropped, purely alphabetic ASCII words Porter-stemmed.
 * Mixed tokens such as "word2vec", "l1" or "3d" are kept whole. Words run together where the source lost
 * a line break ("ofaggregate") stay one rare token: harmless, since it matches nothing.
 */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  const folded = text.normalize("NFKD").replace(/\p{M}+/gu, "").toLowerCase();
  for (const m of folded.matchAll(/[\p{L}\p{N}]+/gu)) {
    const w = m[0];
    if (w.length < 2 || STOP_WORDS.has(w) || /^\p{N}+$/u.test(w)) continue;
    out.push(/^[a-z]+$/.test(w) ? stem(w) : w);
  }
  return out;
}

/** The usual English function words (NLTK's list plus a few contractions' halves). */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    "a about above after again against all am an and any are aren as at be because been before being below " +
    "between both but by can cannot could couldn did didn do does doesn doing don down during each few for from " +
    "further had hadn has hasn have haven having he her here hers herself him himself his how however i if in " +
    "into is isn it its itself just ll me might more most must mustn my myself needn no nor not now of off on " +
    "once only or other our ours ourselves out over own re same shan she should shouldn so some such than that " +
    "the their theirs them themselves then there these they this those through thus to too under until up upon " +
    "us ve very was wasn we were weren what when where which while who whom why will with within without won " +
    "would wouldn yet you your yours yourself yourselves also via"
  ).split(" "),
);

const stems = new Map<string, string>();

/**
 * Porter's (1980) stemmer, as in his reference C version ("bli"->"ble", "logi"->"log"). Hand-written:
 * no stemming package is installed, and the algorithm is short and frozen. Results are memoised:
 * a corpus repeats its words.
 */
export function stem(word: string): string {
  let s = stems.get(word);
  if (s === undefined) {
    s = word.length <= 2 ? word : porter(word);
    if (stems.size < 500_000) stems.set(word, s);
  }
  return s;
}

function isCons(w: string, i: number): boolean {
  const c = w[i];
  if (c === "a" || c === "e" || c === "i" || c === "o" || c === "u") return false;
  return c === "y" ? i === 0 || !isCons(w, i - 1) : true;
}

/** m: the number of vowel-consonant runs in w[0, end). */
function measure(w: string, end: number): number {
  let n = 0;
  let i = 0;
  while (i < end && isCons(w, i)) i++;
  while (i < end) {
    while (i < end && !isCons(w, i)) i++;
    if (i >= end) break;
    n++;
    while (i < end && isCons(w, i)) i++;
  }
  return n;
}

function hasVowel(w: string, end: number): boolean {
  for (let i = 0; i < end; i++) if (!isCons(w, i)) return true;
  return false;
}

function doubleCons(w: string): boolean {
  const n = w.length;
  return n >= 2 && w[n - 1] === w[n - 2] && isCons(w, n - 1);
}

/** *o: ends consonant-vowel-consonant, the last not w, x or y (hop, not hoop or snow). */
function cvc(w: string, end = w.length): boolean {
  if (end < 3 || !isCons(w, end - 1) || isCons(w, end - 2) || !isCons(w, end - 3)) return false;
  const c = w[end - 1];
  return c !== "w" && c !== "x" && c !== "y";
}

type Rule = [suffix: string, replacement: string];
const STEP2: Rule[] = [
  ["ational", "ate"], ["tional", "tion"], ["enci", "ence"], ["anci", "ance"], ["izer", "ize"], ["bli", "ble"],
  ["alli", "al"], ["entli", "ent"], ["eli", "e"], ["ousli", "ous"], ["ization", "ize"], ["ation", "ate"],
  ["ator", "ate"], ["alism", "al"], ["iveness", "ive"], ["fulness", "ful"], ["ousness", "ous"], ["aliti", "al"],
  ["iviti", "ive"], ["biliti", "ble"], ["logi", "log"],
];
const STEP3: Rule[] = [["icate", "ic"], ["ative", ""], ["alize", "al"], ["iciti", "ic"], ["ical", "ic"], ["ful", ""], ["ness", ""]];
const STEP4 = ["al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ion", "ou", "ism", "ate", "iti", "ous", "ive", "ize"];
// Longest suffix first: the reference tries only the longest one that matches, condition or not.
for (const rules of [STEP2, STEP3]) rules.sort((a, b) => b[0].length - a[0].length);
STEP4.sort((a, b) => b.length - a.length);

/** Replaces the longest matching suffix when the rest has measure > minM; only that suffix is tried. */
function applyRules(w: string, rules: Rule[], minM: number): string {
  for (const [suf, rep] of rules) {
    if (!w.endsWith(suf)) continue;
    const stemEnd = w.length - suf.length;
    return measure(w, stemEnd) > minM ? w.slice(0, stemEnd) + rep : w;
  }
  return w;
}

function porter(word: string): string {
  let w = word;
  // Step 1a: plurals.
  if (w.endsWith("sses") || w.endsWith("ies")) w = w.slice(0, -2);
  else if (w.endsWith("s") && !w.endsWith("ss")) w = w.slice(0, -1);
  // Step 1b: -eed, -ed, -ing.
  if (w.endsWith("eed")) {
    if (measure(w, w.length - 3) > 0) w = w.slice(0, -1);
  } else {
    const suf = w.endsWith("ed") ? 2 : w.endsWith("ing") ? 3 : 0;
    if (suf && hasVowel(w, w.length - suf)) {
      w = w.slice(0, -suf);
      if (w.endsWith("at") || w.endsWith("bl") || w.endsWith("iz")) w += "e";
      else if (doubleCons(w) && !/[lsz]$/.test(w)) w = w.slice(0, -1);
      else if (measure(w, w.length) === 1 && cvc(w)) w += "e";
    }
  }
  // Step 1c: y -> i after a vowel somewhere in the stem.
  if (w.endsWith("y") && hasVowel(w, w.length - 1)) w = w.slice(0, -1) + "i";
  w = applyRules(w, STEP2, 0);
  w = applyRules(w, STEP3, 0);
  // Step 4: drop a suffix when the rest has m > 1 (-ion only after s or t).
  for (const suf of STEP4) {
    if (!w.endsWith(suf)) continue;
    const stemEnd = w.length - suf.length;
    if (measure(w, stemEnd) > 1 && (suf !== "ion" || w[stemEnd - 1] === "s" || w[stemEnd - 1] === "t")) w = w.slice(0, stemEnd);
    break;
  }
  // Step 5: a final -e, and -ll.
  if (w.endsWith("e")) {
    const m = measure(w, w.length - 1);
    if (m > 1 || (m === 1 && !cvc(w, w.length - 1))) w = w.slice(0, -1);
  }
  if (w.endsWith("ll") && measure(w, w.length) > 1) w = w.slice(0, -1);
  return w;
}
