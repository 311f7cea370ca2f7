/** @odoo-module **/
/*
 * Reply length as the platforms count it, so that the composer shows the same
 * figure the server checks before queueing a reply.
 *
 * - "weighted": X's count (twitter-text config v3), a port of
 *   social_care_twitter/tools/x_text.py: URLs count 23, emoji sequences 2, most
 *   characters outside Latin, Greek, Cyrillic and the like 2.
 * - "bytes": UTF-8 bytes (Instagram direct messages).
 * - "characters": Unicode code points, as Python's len() counts them.
 *
 * The rules and their test cases must stay in step with x_text.py and
 * tests/test_x_text.py.
 */

export const URL_LENGTH = 23;
export const EMOJI_LENGTH = 2;

// Code points that count 1; everything else counts 2 (config v3 "ranges").
const LIGHT_RANGES = [
  [0x0000, 0x10ff],
  [0x2000, 0x200d],
  [0x2010, 0x201f],
  [0x2032, 0x2037],
];

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

// Top-level domains recognised without a protocol, besides any two-letter ccTLD.
const BARE_TLDS =
  "com|net|org|edu|gov|mil|int|info|biz|name|pro|mobi|asia|tel|travel|jobs|aero" +
  "|coop|museum|app|dev|page|io|ai|xyz|online|site|store|shop|tech|blog|cloud" +
  "|news|live|media|email|digital|agency|company|group|global|world";
const LATIN = "a-z0-9\\u00c0-\\u024f";
const BARE_LABEL = `[${LATIN}](?:[${LATIN}-]*[${LATIN}])?`;
const PATH_CHAR = `[${LATIN}\\u0400-\\u04ff!*';:=+,.$/%#\\[\\]\\-\\u2013_~@|&?()]`;
// Python's \w on text: letters, digits and numbers of any script, and "_".
const ALNUM = "\\p{L}\\p{N}";
const LETTER = "\\p{L}\\p{Nl}\\p{No}"; // Python's [^\W\d_]
const URL_RE = new RegExp(
  // Not glued to a word, a handle, a cashtag or a hashtag.
  "(?<![a-z0-9@\\uff20$#\\uff03])" +
    "(?:https?://" +
    // Subdomains may hold underscores, the registered name may not.
    `(?<host>(?:[${ALNUM}](?:[${ALNUM}_-]*[${ALNUM}])?\\.)*` +
    `[${ALNUM}](?:[${ALNUM}]|-)*(?<!-)\\.[${LETTER}]{2,}(?![${ALNUM}_-])` +
    "|(?:[0-9]{1,3}\\.){3}[0-9]{1,3})" +
    "|(?<![-_./])" +
    `(?<bare>(?:${BARE_LABEL}\\.)+(?:${BARE_TLDS}|[a-z]{2}))` +
    // Not the start of a longer name, nor the local part of an email address.
    "(?![a-z0-9@\\uff20_+-]))" +
    "(?::[0-9]{1,5})?" +
    `(?<path>[/?#]${PATH_CHAR}*)?`,
  "giu"
);
// What a URL may end with; anything else at its end is the sentence's punctuation.
const URL_END_RE = new RegExp(`^[${LATIN}\\u0400-\\u04ff+\\-=_#/&)]$`, "iu");

function weight(codePoint) {
  return LIGHT_RANGES.some(([low, high]) => low <= codePoint && codePoint <= high)
    ? 1
    : 2;
}

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

/** DNS allows 63 characters per label, counted in punycode for IDNs. */
function validLabel(label) {
  // eslint-disable-next-line no-control-regex
  if (!/^[\x00-\x7f]*$/.test(label)) {
    label = "xn--" + punycode(label);
  }
  return label.length <= 63;
}

function count(text, char) {
  return text.split(char).length - 1;
}

/** Drop trailing punctuation, and closing parentheses the URL did not open. */
function trimPath(path) {
  while (path) {
    const last = path.at(-1);
    if (last === ")" && count(path, "(") >= count(path, ")")) {
      break;
    }
    if (last !== ")" && URL_END_RE.test(last)) {
      break;
    }
    path = path.slice(0, -1);
  }
  return path;
}

/** Where each URL starts, mapped to where it ends (UTF-16 offsets). */
function urlSpans(text) {
  const spans = new Map();
  for (const match of text.matchAll(URL_RE)) {
    const host = match.groups.host || match.groups.bare;
    if (host.split(".").every(validLabel)) {
      const path = match.groups.path || "";
      const end = match.index + match[0].length;
      spans.set(match.index, end - path.length + trimPath(path).length);
    }
  }
  return spans;
}

/** The length X counts against its 280 limit. */
export function weightedLength(text) {
  text = (text || "").normalize("NFC");
  const urls = urlSpans(text);
  const emojis = new Map(
    Array.from(text.matchAll(EMOJI_RE), (match) => [
      match.index,
      match.index + match[0].length,
    ])
  );
  let total = 0;
  let index = 0;
  while (index < text.length) {
    if (urls.has(index)) {
      total += URL_LENGTH;
      index = urls.get(index);
    } else if (emojis.has(index)) {
      total += EMOJI_LENGTH;
      index = emojis.get(index);
    } else {
      const codePoint = text.codePointAt(index);
      total += weight(codePoint);
      index += codePoint > 0xffff ? 2 : 1;
    }
  }
  return total;
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
