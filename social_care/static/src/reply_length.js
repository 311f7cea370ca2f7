/** @odoo-module **/
/*
 * Reply length as the platforms count it, so that the composer shows the same
 * figure the server checks before queueing a reply.
 *
 * - "weighted": X's count (twitter-text config v3), the same port as
 *   social_care_twitter/tools/x_text.py: URLs count 23, emoji sequences 2, most
 *   characters outside Latin, Greek, Cyrillic and the like 2.
 * - "bytes": UTF-8 bytes (Instagram direct messages).
 * - "characters": Unicode code points, as Python's len() counts them.
 *
 * The URL extraction and the weighted count are a port of twitter-text's
 * JavaScript (js/src/parseTweet.js, extractUrlsWithIndices.js, lib/idna.js and
 * the regexes of js/src/regexp/), https://github.com/twitter/twitter-text,
 * Copyright 2018 Twitter, Inc., Apache License 2.0 (tests/data/twitter-text/
 * LICENSE); its top-level domain lists are generated into x_tlds.js. The emoji
 * rule is ours, as in x_text.py. Both counters must pass twitter-text's
 * conformance suite (scripts/x_text_conformance.mjs,
 * tests/test_x_text_conformance.py) and agree with each other.
 */
import { COUNTRY_TLDS, GENERIC_TLDS } from "@social_care/x_tlds";

// twitter-text's config/v3.json: the one X uses.
export const CONFIG_V3 = {
  version: 3,
  maxWeightedTweetLength: 280,
  scale: 100,
  defaultWeight: 200,
  emojiParsingEnabled: true,
  transformedURLLength: 23,
  ranges: [
    { start: 0, end: 4351, weight: 100 },
    { start: 8192, end: 8205, weight: 100 },
    { start: 8208, end: 8223, weight: 100 },
    { start: 8242, end: 8247, weight: 100 },
  ],
};
const PICTOGRAPH =
  "[\\u203c\\u2049\\u2122\\u2139\\u2194-\\u21ff\\u2300-\\u23ff\\u24c2\\u25a0-\\u27bf" +
  "\\u2900-\\u297f\\u2b00-\\u2bff\\u3030\\u303d\\u3297\\u3299\\u{1f000}-\\u{1faff}]";
// © and ® default to text: they are emoji only with the emoji variation selector.
const ELEMENT =
  `(?:${PICTOGRAPH}\\ufe0f?[\\u{1f3fb}-\\u{1f3ff}]?` +
  "(?:[\\u{e0020}-\\u{e007e}]+\\u{e007f})?|[\\u00a9\\u00ae]\\ufe0f)";
const EMOJI_RE = new RegExp(
  "[\\u{1f1e6}-\\u{1f1ff}]{2}" + // flags: a pair of regional indicators
    "|[0-9#*]\\ufe0f?\\u20e3" + // keycaps
    `|${ELEMENT}(?:\\u200d${ELEMENT})*` + // ZWJ sequences, skin tones, tag flags
    "|\\ufe0f", // a stray variation selector, as twitter-text counts it
  "gu"
);

// twitter-text's js/src/regexp/, by the same names (character-class contents).
const INVALID_CHARS = String.raw`\ufffe\ufeff\uffff`;
const DIRECTIONAL_MARKERS = String.raw`\u202a-\u202e\u061c\u200e\u200f\u2066\u2067\u2068\u2069`;
const SPACES = String.raw`\x09-\x0d\x20\x85\xa0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000`;
const PUNCT = String.raw`!'#%&()*+,\\\-./:;<=>?@\[\]\^_{|}~$`;
const LATIN_ACCENTS =
  String.raw`\xc0-\xd6\xd8-\xf6\xf8-\xff\u0100-\u024f\u0253\u0254\u0256\u0257\u0259` +
  String.raw`\u025b\u0263\u0268\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff`;
const CYRILLIC = String.raw`\u0400-\u04ff`;
const TLD_END = "(?=[^0-9a-zA-Z@+-]|$)";
const GTLD = `(?:(?:${GENERIC_TLDS.join("|")})${TLD_END})`;
const CCTLD = `(?:(?:${COUNTRY_TLDS.join("|")})${TLD_END})`;
const PUNYCODE = "(?:xn--[\\-0-9a-z]+)";
const DOMAIN_CHAR = `[^${PUNCT}${SPACES}${INVALID_CHARS}${DIRECTIONAL_MARKERS}]`;
const SUBDOMAIN = `(?:(?:${DOMAIN_CHAR}(?:[_\\-]|${DOMAIN_CHAR})*)?${DOMAIN_CHAR}\\.)`;
const DOMAIN_NAME = `(?:(?:${DOMAIN_CHAR}(?:-|${DOMAIN_CHAR})*)?${DOMAIN_CHAR}\\.)`;
const DOMAIN = `(?:${SUBDOMAIN}*${DOMAIN_NAME}(?:${GTLD}|${CCTLD}|${PUNYCODE}))`;
const PATH_CHAR = String.raw`[a-z${CYRILLIC}0-9!*';:=+,.$/%#\[\]\-\u2013_~@|&${LATIN_ACCENTS}]`;
// Up to two nested levels of balanced parentheses (Wikipedia's /Primer_(film)).
const BALANCED_PARENS = String.raw`\((?:${PATH_CHAR}+|(?:${PATH_CHAR}*\(${PATH_CHAR}+\)${PATH_CHAR}*))\)`;
// So that /foo. does not take the full stop.
const PATH_END = String.raw`[+\-a-z${CYRILLIC}0-9=_#/${LATIN_ACCENTS}]|(?:${BALANCED_PARENS})`;
const PATH =
  `(?:(?:${PATH_CHAR}*(?:${BALANCED_PARENS}${PATH_CHAR}*)*${PATH_END})` +
  `|(?:@${PATH_CHAR}+/))`;
const QUERY_CHAR = String.raw`[a-z0-9!?*'@();:&=+$/%#\[\]\-_.,~|]`;
const QUERY_END = String.raw`[a-z0-9\-_&=#/]`;
const PRECEDING = String.raw`(?:[^A-Za-z0-9@＠$#＃${INVALID_CHARS}]|[${DIRECTIONAL_MARKERS}]|^)`;
const EXTRACT_URL_RE = new RegExp(
  `(?<before>${PRECEDING})` +
    "(?<url>" +
    "(?<protocol>https?://)?" +
    `(?<domain>${DOMAIN})` +
    "(?::[0-9]+)?" +
    `(?<path>/${PATH}*)?` +
    String.raw`(?:\?${QUERY_CHAR}*${QUERY_END})?` +
    ")",
  "iuy"
);
const ASCII_DOMAIN_RE = new RegExp(
  `(?:(?:[\\-a-z0-9${LATIN_ACCENTS}]+)\\.)+(?:${GTLD}|${CCTLD}|${PUNYCODE})`,
  "giu"
);
const TCO_URL_RE = new RegExp(
  String.raw`^https?://t\.co/([a-z0-9]+)(?:\?${QUERY_CHAR}*${QUERY_END})?`,
  "iu"
);
// Sticky ("y"): each is tried at one index (see urlMatches).
const TLD_AT_RE = new RegExp(`(?:${GTLD}|${CCTLD}|${PUNYCODE})`, "iuy");
const PROTOCOL_AT_RE = /https?:\/\//iuy;
// Where a chain of domain labels cannot run on: a character no label holds, an
// empty label, a label starting or ending with "-" or "_".
const CHAIN_BREAK_RE = new RegExp(
  String.raw`(?=\.[._\-]|[_\-]\.|(?!${DOMAIN_CHAR})[^._\-])`,
  "gu"
);
// One UTF-16 unit of a label (a lone surrogate too: the half of an astral letter).
const LABEL_CHAR_RE = new RegExp(`^(?:${DOMAIN_CHAR}|[_\\-])$`, "u");
const INVALID_CHARS_RE = new RegExp(`[${INVALID_CHARS}]`, "u");
// Separators punycode.toASCII splits a label on (besides ".").
const LABEL_SEPARATORS_RE = /[\u3002\uff0e\uff61]/u;

const MAX_URL_LENGTH = 4096;
const MAX_TCO_SLUG_LENGTH = 40;
const MAX_LABEL_LENGTH = 63;

/** RFC 3492 punycode of a label (no "xn--"), as Python's "punycode" codec. */
function punycode(label) {
  const base = 36;
  const input = Array.from(label, (char) => char.codePointAt(0));
  const basic = input.filter((code) => code < 0x80);
  let output = String.fromCharCode(...basic);
  if (basic.length) {
    output += "-";
  }
  const digit = (d) => String.fromCharCode(d < 26 ? 97 + d : 22 + d);
  const adapt = (delta, points, first) => {
    delta = first ? Math.floor(delta / 700) : delta >> 1;
    delta += Math.floor(delta / points);
    let k = 0;
    while (delta > 455) {
      delta = Math.floor(delta / 35);
      k += base;
    }
    return k + Math.floor((36 * delta) / (delta + 38));
  };
  let n = 0x80;
  let delta = 0;
  let bias = 72;
  let handled = basic.length;
  while (handled < input.length) {
    const next = Math.min(...input.filter((code) => code >= n));
    delta += (next - n) * (handled + 1);
    n = next;
    for (const code of input) {
      if (code < n) {
        delta++;
      } else if (code === n) {
        let q = delta;
        for (let k = base; ; k += base) {
          const t = k <= bias ? 1 : k >= bias + 26 ? 26 : k - bias;
          if (q < t) {
            break;
          }
          output += digit(t + ((q - t) % (base - t)));
          q = Math.floor((q - t) / (base - t));
        }
        output += digit(q);
        bias = adapt(delta, handled + 1, handled === basic.length);
        delta = 0;
        handled++;
      }
    }
    delta++;
    n++;
  }
  return output;
}

/** What punycode.toASCII makes of a label (no nameprep, as twitter-text). */
function labelToAscii(label) {
  return label
    .split(LABEL_SEPARATORS_RE)
    .map((part) => (/^[\x00-\x7f]*$/.test(part) ? part : "xn--" + punycode(part)))
    .join(".");
}

/** twitter-text's idna.toAscii: every label 1 to 63 characters in punycode. */
function validDomain(domain) {
  if (domain.startsWith("xn--") && !domain.match(ASCII_DOMAIN_RE)) {
    return false; // a punycode name cannot hold non-ASCII characters
  }
  return domain.split(".").every((label) => {
    const length = labelToAscii(label).length;
    return length >= 1 && length <= MAX_LABEL_LENGTH;
  });
}

function validUrl(url, protocol, domain) {
  // As twitter-text: the protocol is counted again, lengths in UTF-16 units.
  return validDomain(domain) && protocol.length + url.length <= MAX_URL_LENGTH;
}

/** The ASCII-only domains inside a domain found without a protocol. */
function asciiDomains(domain, urlStart) {
  const found = [];
  let end = 0;
  for (const match of domain.matchAll(ASCII_DOMAIN_RE)) {
    const start = domain.indexOf(match[0], end);
    end = start + match[0].length;
    found.push({ url: match[0], indices: [urlStart + start, urlStart + end] });
  }
  return found;
}

/** The first index of a sorted list whose value is above `value` (or the length). */
function firstAbove(list, value) {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (list[middle] > value) {
      high = middle;
    } else {
      low = middle + 1;
    }
  }
  return low;
}

function matchAt(regex, text, index) {
  regex.lastIndex = index;
  return regex.exec(text);
}

/**
 * Where a TLD follows a ".": those any label chain can end with, and, for the
 * TLDs whose last label holds a "_" (no registered name does), the starts after
 * that "_" mapped to the TLD they can reach. As x_text.py's _tld_positions.
 */
function tldPositions(text) {
  const anywhere = [];
  const afterUnderscore = new Map();
  for (let dot = text.indexOf("."); dot >= 0; dot = text.indexOf(".", dot + 1)) {
    const tld = dot + 1;
    if (!matchAt(TLD_AT_RE, text, tld)) {
      continue;
    }
    let index = dot - 1;
    while (index >= 0 && text[index] !== "_" && LABEL_CHAR_RE.test(text[index])) {
      index--;
    }
    if (index >= 0 && text[index] === "_") {
      for (let start = index + 1; start < tld - 1; start++) {
        afterUnderscore.set(start, tld);
      }
    } else {
      anywhere.push(tld);
    }
  }
  return { anywhere, afterUnderscore };
}

/**
 * EXTRACT_URL_RE's matches in text, trying only where a domain can start.
 *
 * A domain is a chain of labels up to a TLD: a start with no TLD ahead before
 * the chain breaks cannot match, and trying it anyway makes the regex
 * quadratic on long dotted texts ("a.a.a.…"). As x_text.py's _url_matches.
 */
function urlMatches(text) {
  const { anywhere: tlds, afterUnderscore } = tldPositions(text);
  const breaks = Array.from(text.matchAll(CHAIN_BREAK_RE), (match) => match.index);
  const unbroken = (start, tld) => {
    const chainBreak = firstAbove(breaks, start - 1);
    return chainBreak === breaks.length || breaks[chainBreak] > tld - 2;
  };
  const domainCanStart = (index) => {
    const tld = firstAbove(tlds, index);
    if (tld < tlds.length && unbroken(index, tlds[tld])) {
      return true;
    }
    return afterUnderscore.has(index) && unbroken(index, afterUnderscore.get(index));
  };
  const urlCanStart = (index) => {
    const protocol = matchAt(PROTOCOL_AT_RE, text, index);
    return domainCanStart(protocol ? index + protocol[0].length : index);
  };
  const matches = [];
  let position = 0;
  for (let index = 0; index < text.length; ) {
    const width = text.codePointAt(index) > 0xffff ? 2 : 1;
    if (
      index >= position &&
      (urlCanStart(index + width) || (index === 0 && urlCanStart(0)))
    ) {
      const match = matchAt(EXTRACT_URL_RE, text, index);
      if (match) {
        matches.push(match);
        position = index + match[0].length;
      }
    }
    index += width;
  }
  return matches;
}

/** The URLs X links (and counts 23), with their [start, end) UTF-16 offsets. */
export function extractUrlsWithIndices(text) {
  const urls = [];
  if (!text || !text.includes(".")) {
    return urls;
  }
  for (const match of urlMatches(text)) {
    const { before, protocol, domain, path } = match.groups;
    let url = match.groups.url;
    const start = match.index + before.length;
    let end = start + url.length;
    if (!validUrl(url, protocol || "https://", domain)) {
      continue;
    }
    if (!protocol) {
      if (["-", "_", ".", "/"].includes(before)) {
        continue;
      }
      const found = asciiDomains(domain, start);
      if (!found.length) {
        continue;
      }
      if (path) {
        const last = found.at(-1);
        last.url = url.replace(domain, () => last.url);
        last.indices[1] = end;
      }
      urls.push(...found);
      continue;
    }
    const tco = url.match(TCO_URL_RE);
    if (tco) {
      // A t.co link takes no further path characters.
      if (tco[1].length > MAX_TCO_SLUG_LENGTH) {
        continue;
      }
      url = tco[0];
      end = start + url.length;
    }
    urls.push({ url, indices: [start, end] });
  }
  return urls;
}

function weight(codePoint, config) {
  const range = config.ranges.find(
    ({ start, end }) => start <= codePoint && codePoint <= end
  );
  return range ? range.weight : config.defaultWeight;
}

export function hasInvalidCharacters(text) {
  return INVALID_CHARS_RE.test(text || "");
}

/** twitter-text's parseTweet: weighted length and validity under `config`. */
export function parseText(text, config = CONFIG_V3) {
  text = (text || "").normalize("NFC");
  const urls = new Map(
    extractUrlsWithIndices(text).map(({ indices }) => [indices[0], indices[1]])
  );
  const emojis = new Map(
    config.emojiParsingEnabled
      ? Array.from(text.matchAll(EMOJI_RE), (match) => [
          match.index,
          match.index + match[0].length,
        ])
      : []
  );
  let total = 0;
  let index = 0;
  while (index < text.length) {
    if (urls.has(index)) {
      total += config.transformedURLLength * config.scale;
      index = urls.get(index);
    } else if (emojis.has(index)) {
      total += config.defaultWeight;
      index = emojis.get(index);
    } else {
      const codePoint = text.codePointAt(index);
      total += weight(codePoint, config);
      index += codePoint > 0xffff ? 2 : 1;
    }
  }
  const weightedLength = Math.floor(total / config.scale);
  const valid =
    weightedLength > 0 &&
    weightedLength <= config.maxWeightedTweetLength &&
    !hasInvalidCharacters(text);
  return { weightedLength, valid };
}

/** The length X counts against its 280 limit. */
export function weightedLength(text) {
  return parseText(text).weightedLength;
}

/** The length of a reply in the unit the platform counts (see the top of the file). */
export function replyLength(text, unit) {
  text = text || "";
  if (unit === "weighted") {
    return weightedLength(text);
  }
  if (unit === "bytes") {
    return new TextEncoder().encode(text).length;
  }
  return Array.from(text).length;
}
