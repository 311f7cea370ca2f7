/*
 * Runs the composer's X counter (social_care/static/src/reply_length.js, the
 * very file of the asset bundle) under Node, for tests/test_x_text_conformance.py.
 *
 *   node scripts/x_text_conformance.mjs < cases.json > results.json
 *
 * stdin: [{text, config}, ...] (config: twitter-text's config/vN.json object).
 * stdout: {tlds: {generic, country}, results: [{urls, weightedLength, valid}, ...]}
 * with urls as extractUrlsWithIndices gives them (UTF-16 offsets).
 */
import { register } from "node:module";
import { readFileSync } from "node:fs";

const SOURCES = new URL("../social_care/static/src/", import.meta.url).href;
// "@social_care/x" is the asset bundle's name of static/src/x.js, an ES module.
const HOOKS = `
export async function resolve(specifier, context, next) {
  if (specifier.startsWith("@social_care/")) {
    const url = ${JSON.stringify(SOURCES)} + specifier.slice(13) + ".js";
    return { url, format: "module", shortCircuit: true };
  }
  return next(specifier, context);
}
export async function load(url, context, next) {
  if (url.startsWith(${JSON.stringify(SOURCES)})) {
    return { ...(await next(url, { ...context, format: "module" })), format: "module" };
  }
  return next(url, context);
}`;
register("data:text/javascript," + encodeURIComponent(HOOKS));

const { extractUrlsWithIndices, parseText } = await import("@social_care/reply_length");
const { COUNTRY_TLDS, GENERIC_TLDS } = await import("@social_care/x_tlds");

const cases = JSON.parse(readFileSync(0, "utf-8"));
const results = cases.map(({ text, config }) => ({
  urls: extractUrlsWithIndices(text),
  ...parseText(text, config),
}));
process.stdout.write(
  JSON.stringify({ tlds: { generic: GENERIC_TLDS, country: COUNTRY_TLDS }, results })
);
