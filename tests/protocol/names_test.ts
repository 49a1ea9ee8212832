import { ok, strictEqual, throws } from "node:assert/strict";
import fc from "fast-check";
import {
  guestName,
  isGuestName,
  isValidName,
  nameKey,
  normalizeName,
} from "../../src/protocol/names.ts";
import { ChatError } from "../../src/protocol/errors.ts";
import "../helpers/property.ts";

Deno.test("isValidName() accepts 1 to 32 code points of one script, digits and punctuation", () => {
  for (
    const name of [
      "a",
      "alice",
      "bob2",
      "Ünïcødé",
      "Ωμέγα",
      "борис",
      "名前",
      "😀",
      "😀".repeat(32),
      "a".repeat(32),
      "é".repeat(32),
      "e\u0301", // a combining accent is Inherited
      "guest-12345678",
      "#lobby",
      "a_b-c.d",
      "ｂｏｂ", // fullwidth: NFKC makes it "bob"
    ]
  ) {
    ok(isValidName(name), `${JSON.stringify(name)} should be valid`);
  }
});

Deno.test("isValidName() rejects empty, too long, whitespace, control characters and non-strings", () => {
  for (
    const name of [
      "",
      "a".repeat(33),
      "😀".repeat(33),
      "中".repeat(33),
      "a b",
      " alice",
      "alice ",
      "a\tb",
      "a\nb",
      "a\rb",
      "a\u00a0b", // no-break space
      "a\u3000b", // ideographic space
      "a\u2028b", // line separator
      "\u0000",
      "a\u0007",
      "a\u007f",
      "a\u0085", // C1 control
      "a\u009f",
    ]
  ) {
    strictEqual(isValidName(name), false, `${JSON.stringify(name)} should be invalid`);
  }
  for (const value of [undefined, null, 1, ["alice"], { name: "alice" }]) {
    strictEqual(isValidName(value), false);
  }
});

Deno.test("isValidName() rejects invisible, format, bidi, private-use, unassigned and lone surrogates", () => {
  for (
    const name of [
      "b\u200bob", // zero-width space (Cf)
      "\u202eboba", // right-to-left override (Cf)
      "bob\u2066", // left-to-right isolate
      "bo\u00adb", // soft hyphen (Cf)
      "\ufeffbob", // byte order mark
      "\u3164", // Hangul filler: default-ignorable
      "bob\u3164",
      "\uffa0", // halfwidth Hangul filler
      "\u2800", // braille pattern blank
      "bob\ufe0f", // variation selector
      "\ue000", // private use
      "\u{f0000}",
      "\u0378", // unassigned
      "\ud800", // a lone surrogate
      "bob\udc00",
    ]
  ) {
    strictEqual(isValidName(name), false, `${JSON.stringify(name)} should be invalid`);
  }
});

Deno.test("isValidName() takes letters of one script only (besides Common and Inherited)", () => {
  strictEqual(isValidName("b\u043eb"), false, "Latin b with a Cyrillic o");
  strictEqual(isValidName("\u0431ob"), false, "Cyrillic be with Latin ob");
  strictEqual(isValidName("alphaβ"), false);
  strictEqual(isValidName("名前abc"), false);
  ok(isValidName("борис_2"));
  ok(isValidName("Ωμέγα-9"));
});

Deno.test("normalizeName() returns the NFKC form and throws invalid_name with the reason", () => {
  strictEqual(normalizeName("ｂｏｂ"), "bob");
  strictEqual(normalizeName("\u{1d400}da"), "Ada"); // mathematical bold A
  strictEqual(normalizeName("e\u0301"), "\u00e9");
  const error = throws(() => normalizeName("b\u200bob", "room name"), (error: unknown) => {
    ok(error instanceof ChatError);
    strictEqual(error.code, "invalid_name");
    ok(error.message.includes("room name"), error.message);
    ok(error.message.includes("U+200B"), error.message);
    return true;
  });
  strictEqual(error, undefined);
  throws(() => normalizeName(42), { code: "invalid_name" });
  throws(() => normalizeName("\ud800"), /lone surrogate/);
  throws(() => normalizeName("b\u043eb"), /two scripts \(Latin and Cyrillic\)/);
});

Deno.test("normalizeName() counts code points after NFKC", () => {
  // U+FB03 (ﬃ) is one code point that NFKC makes three.
  strictEqual(normalizeName("\ufb03".repeat(10)).length, 30);
  strictEqual(isValidName("\ufb03".repeat(11)), false);
});

Deno.test("nameKey() makes names that differ only in case or compatibility form equal", () => {
  strictEqual(nameKey("Bob"), "bob");
  strictEqual(nameKey("BOB"), nameKey("ｂｏｂ"));
  strictEqual(nameKey("Ωμέγα"), nameKey("ωμέγα"));
  ok(nameKey("bob") !== nameKey("b\u043eb"));
});

Deno.test("isGuestName() finds the guest prefix in any case", () => {
  ok(isGuestName("guest-1"));
  ok(isGuestName("Guest-abc"));
  ok(isGuestName("ＧＵＥＳＴ-x"));
  strictEqual(isGuestName("guest"), false);
  strictEqual(isGuestName("myguest-1"), false);
});

Deno.test("isValidName() property: a name of one script's letters is valid iff it has 1 to 32 code points", () => {
  const letter = fc.constantFrom("a", "Z", "9", "é", "-", "_", "𝔸", "😀");
  fc.assert(
    fc.property(fc.array(letter, { maxLength: 40 }), (letters) => {
      strictEqual(isValidName(letters.join("")), letters.length >= 1 && letters.length <= 32);
    }),
    { numRuns: 200 },
  );
});

Deno.test("normalizeName() property: a valid name's normal form is valid, stable and keyed the same", () => {
  fc.assert(
    fc.property(fc.string({ unit: "grapheme", minLength: 1, maxLength: 12 }), (raw) => {
      if (!isValidName(raw)) return;
      const name = normalizeName(raw);
      strictEqual(normalizeName(name), name);
      strictEqual(nameKey(name), nameKey(raw));
    }),
    { numRuns: 500 },
  );
});

Deno.test("guestName() is guest- and the first 8 characters of the session id", () => {
  strictEqual(guestName("0f8e2c1a-7b3d-4e5f-9a0b-1c2d3e4f5a6b"), "guest-0f8e2c1a");
  strictEqual(guestName("abc"), "guest-abc");
  fc.assert(
    fc.property(fc.uuid(), (id) => {
      strictEqual(guestName(id), `guest-${id.slice(0, 8)}`);
      ok(isValidName(guestName(id)));
      ok(isGuestName(guestName(id)));
    }),
    { numRuns: 50 },
  );
});
