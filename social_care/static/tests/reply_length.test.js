/** @odoo-module **/
/*
 * The composer's count is the server's: the same cases as
 * tests/test_x_text.py (X's weighted length) and the Meta units.
 */
import { expect, test } from "@odoo/hoot";
import { parseText, replyLength, weightedLength } from "@social_care/reply_length";

const X_CASES = [
  // PLATFORM-APIS.md §3
  ["Hello, world! 👋", 16],
  ["こんにちは", 10],
  ["한국어 테스트", 13],
  ["Привет мир", 10],
  ["café — “quoted” …", 18],
  ["", 0],
  // twitter-text's conformance/validate.yml (config v3)
  ["H🐱☺👨‍👩‍👧‍👦", 7],
  ["😷👾😡🔥💩", 10],
  ["🙋🏽👨‍🎤", 4],
  ["1⃣", 2],
  ["Unicode 10.0 emoji: 🤪; 🧕; 🧕🏾; 🏴󠁧󠁢󠁥󠁮󠁧󠁿", 34],
  ["Unicode 9.0 emoji: 🤠; 💃; 💃🏾", 29],
  ["ABC\u202a\uffffABC\ufffe", 12],
  ["\u2066\u202ahttp://foobar.پاکستان/\u202c\u2069", 31],
  ["Hi http://test.co", 26],
  ["http://test.co", 23],
  ["randomurlrandomurlrandomurlrandomurlrandomurlrandomurlrandomurls.com", 68],
  ["👨‍👩‍👧‍👦".repeat(140), 280],
  ["故人西辞黄鹤楼。烟花三月下扬州。".repeat(10), 320],
  // emoji and normalization
  ["🇮🇹", 2],
  ["#️⃣", 2],
  ["©", 1],
  ["©️", 2],
  ["❤️‍🔥", 2],
  ["e\u0301", 1],
  ["“x”", 3],
  ["…", 2],
  // URLs count 23
  ["see example.com/help", 4 + 23],
  ["see www.acme.example.co.uk", 4 + 23],
  ["see https://acme.com/help.", 4 + 23 + 1],
  ["(https://en.wikipedia.org/wiki/Foo_(bar))", 1 + 23 + 1],
  ["https://x.com/a?b=1&c=2#top!", 23 + 1],
  ["mail jane.doe@example.org", 5 + 20],
  ["version 1.2.3 and file.txt", 26],
  ["a.b@c.com", 9],
  ["$AAPL.com #tag.com", 18],
  ["これは日本語です。example.com中国語", 9 * 2 + 23 + 3 * 2],
  ["ftp://example.com/file", 22],
  // URLs as twitter-text extracts them (issue 12, item 12)
  ["node.js", 7],
  ["see example.ninja", 4 + 23],
  ["http://foobar.भारत/x", 23],
  ["see http://example.comабв", 4 + 23 + 3],
  ["http://xn--みんな.com", 7 + 4 + 2 * 3 + 4],
  ["http://192.168.0.1/index.html", 29],
  ["http://example.com:123456/x", 23],
  ["http://t.co/abc/def", 23 + 4],
  ["http://t.co/" + "a".repeat(41), 12 + 41],
  ["see https://acme.example/help.", 30],
];

test("X weighted length: the cases of tests/test_x_text.py", () => {
  for (const [text, expected] of X_CASES) {
    expect(weightedLength(text)).toBe(expected, { message: JSON.stringify(text) });
  }
});

test("an IDN host longer than 63 punycode characters is not a URL", () => {
  const prefix = "あいうえおかきくけこ".repeat(12) + " http://";
  expect(weightedLength(prefix + "あいうえおかきくけこ".repeat(5) + "あいう.com")).toBe(
    358
  );
  expect(weightedLength(prefix + "あいうえおかきくけこ".repeat(5) + "あい.com")).toBe(
    264
  );
});

test("characters X refuses, an empty text and one over 280 are invalid", () => {
  for (const char of ["\ufffe", "\ufeff", "\uffff"]) {
    expect(parseText(`Thanks${char}, we are on it`).valid).toBe(false);
  }
  expect(parseText("Thanks, we are on it").valid).toBe(true);
  expect(parseText("").valid).toBe(false);
  expect(parseText("x".repeat(280))).toEqual({ weightedLength: 280, valid: true });
  expect(parseText("x".repeat(281))).toEqual({ weightedLength: 281, valid: false });
});

test("reply length in each unit", () => {
  const text = "Ciao 😀 https://example.com/a-very-long-path/that/is/not/counted";
  expect(replyLength(text, "weighted")).toBe(5 + 2 + 1 + 23);
  // Code points, as Python's len(): the emoji is one, not two UTF-16 units.
  expect(replyLength("héllo 😀", "characters")).toBe(7);
  expect(replyLength("héllo 😀", "bytes")).toBe(11);
  expect(replyLength("", "characters")).toBe(0);
});
