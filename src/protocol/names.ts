/**
 * The name rules of PROTOCOL.md section 2, for display names and room
 * names alike: NFKC normalization, 1 to 32 code points, nothing invisible,
 * letters of one script, and comparison without case. Pure: no I/O.
 *
 * @example
 * ```ts
 * import { strictEqual, throws } from "node:assert/strict";
 * import { nameKey, normalizeName } from "./names.ts";
 * strictEqual(normalizeName("ｂｏｂ"), "bob"); // NFKC: fullwidth letters are plain ones
 * strictEqual(nameKey("Bob"), nameKey("bob")); // the same name
 * throws(() => normalizeName("b\u043eb"), { code: "invalid_name" }); // Latin and Cyrillic
 * throws(() => normalizeName("b\u200bob"), { code: "invalid_name" }); // a zero-width space
 * ```
 *
 * @module
 */

import { ChatError } from "./errors.ts";

/** The most code points a name may have, after normalization. */
export const NAME_MAX_CODE_POINTS = 32;

/** The prefix of the names the server gives to sessions that chose none. */
export const GUEST_PREFIX = "guest-";

/**
 * Characters a name may never hold: whitespace, controls (Cc), formats (Cf:
 * zero-width and bidi controls), surrogates (Cs, lone ones included),
 * private use (Co), unassigned (Cn), the default-ignorable ones (such as the
 * Hangul fillers U+3164 and U+FFA0, variation selectors) and blanks that
 * render as nothing (U+2800 BRAILLE PATTERN BLANK).
 */
const FORBIDDEN =
  /[\p{White_Space}\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Default_Ignorable_Code_Point}\u2800]/u;

/** Code points of no particular script: digits, punctuation, combining marks. */
const NEUTRAL = /[\p{Script=Common}\p{Script=Inherited}]/u;

/**
 * Every script of Unicode 16 that V8 knows, to find the one a code point is
 * in (Common, Inherited and Unknown aside).
 */
const SCRIPTS = (
  "Latin Greek Cyrillic Armenian Hebrew Arabic Syriac Thaana Nko Samaritan Mandaic Devanagari " +
  "Bengali Gurmukhi Gujarati Oriya Tamil Telugu Kannada Malayalam Sinhala Thai Lao Tibetan " +
  "Myanmar Georgian Hangul Ethiopic Cherokee Canadian_Aboriginal Ogham Runic Tagalog Hanunoo " +
  "Buhid Tagbanwa Khmer Mongolian Limbu Tai_Le New_Tai_Lue Buginese Tai_Tham Balinese " +
  "Sundanese Batak Lepcha Ol_Chiki Glagolitic Tifinagh Han Hiragana Katakana Bopomofo Yi Lisu " +
  "Vai Bamum Syloti_Nagri Phags_Pa Saurashtra Kayah_Li Rejang Javanese Cham Tai_Viet " +
  "Meetei_Mayek Braille Coptic Linear_A Linear_B Cypriot Cypro_Minoan Lycian Carian Old_Italic " +
  "Gothic Old_Permic Ugaritic Old_Persian Deseret Shavian Osmanya Osage Elbasan " +
  "Caucasian_Albanian Vithkuqi Imperial_Aramaic Palmyrene Nabataean Hatran Phoenician Lydian " +
  "Meroitic_Hieroglyphs Meroitic_Cursive Kharoshthi Old_South_Arabian Old_North_Arabian " +
  "Manichaean Avestan Inscriptional_Parthian Inscriptional_Pahlavi Psalter_Pahlavi Old_Turkic " +
  "Old_Hungarian Hanifi_Rohingya Yezidi Old_Sogdian Sogdian Old_Uyghur Chorasmian Elymaic " +
  "Brahmi Kaithi Sora_Sompeng Chakma Mahajani Sharada Khojki Multani Khudawadi Grantha Newa " +
  "Tirhuta Siddham Modi Takri Ahom Dogra Warang_Citi Dives_Akuru Nandinagari Zanabazar_Square " +
  "Soyombo Pau_Cin_Hau Bhaiksuki Marchen Masaram_Gondi Gunjala_Gondi Makasar Kawi Cuneiform " +
  "Egyptian_Hieroglyphs Anatolian_Hieroglyphs Mro Tangsa Bassa_Vah Pahawh_Hmong Medefaidrin " +
  "Miao Tangut Khitan_Small_Script Nushu Duployan SignWriting Nyiakeng_Puachue_Hmong Toto " +
  "Wancho Nag_Mundari Mende_Kikakui Adlam Garay Gurung_Khema Kirat_Rai Ol_Onal Sunuwar Todhri " +
  "Tulu_Tigalari"
).split(" ").map((script) => ({ script, pattern: new RegExp(`\\p{Script=${script}}`, "u") }));

const scriptCache = new Map<number, string>();

/** The script of a code point that is neither Common nor Inherited. */
function scriptOf(char: string): string {
  const cp = char.codePointAt(0)!;
  let script = scriptCache.get(cp);
  if (script === undefined) {
    script = SCRIPTS.find(({ pattern }) => pattern.test(char))?.script ?? "Unknown";
    if (scriptCache.size < 65_536) scriptCache.set(cp, script);
  }
  return script;
}

/**
 * Why `name` (already NFKC-normalized) breaks the rules, or `undefined`
 * when it keeps them.
 */
function fault(name: string): string | undefined {
  if (!name.isWellFormed()) return "a lone surrogate";
  let count = 0;
  let script: string | undefined;
  for (const char of name) {
    if (++count > NAME_MAX_CODE_POINTS) return `more than ${NAME_MAX_CODE_POINTS} characters`;
    if (FORBIDDEN.test(char)) {
      return `an invisible, blank or control character (U+${
        char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")
      })`;
    }
    if (NEUTRAL.test(char)) continue;
    const own = scriptOf(char);
    if (script === undefined) script = own;
    else if (own !== script) return `letters of two scripts (${script} and ${own})`;
  }
  return count === 0 ? "no characters" : undefined;
}

/**
 * A display or room name as the server stores and shows it: its NFKC
 * form. Throws `invalid_name` when the name breaks the rules of PROTOCOL.md
 * section 2 (a string of 1 to 32 code points after NFKC; no whitespace,
 * control, format, surrogate, private-use, unassigned or invisible
 * character; letters of at most one script besides Common and Inherited).
 * `what` names the thing in the error's message.
 */
export function normalizeName(name: unknown, what = "name"): string {
  if (typeof name !== "string") throw new ChatError("invalid_name", `a ${what} must be a string`);
  // A lone surrogate survives NFKC unchanged; check before, so the message says so.
  const normalized = name.isWellFormed() ? name.normalize("NFKC") : name;
  const why = fault(normalized);
  if (why !== undefined) {
    throw new ChatError("invalid_name", `invalid ${what} ${JSON.stringify(name)}: ${why}`);
  }
  return normalized;
}

/** Whether `name` keeps the rules of PROTOCOL.md section 2 (see {@linkcode normalizeName}). */
export function isValidName(name: unknown): name is string {
  if (typeof name !== "string") return false;
  return fault(name.isWellFormed() ? name.normalize("NFKC") : name) === undefined;
}

/**
 * The key under which two names are the same name: NFKC, then
 * `toLowerCase()` (`Bob` and `bob` are one name; `ｂｏｂ` too).
 */
export function nameKey(name: string): string {
  return name.normalize("NFKC").toLowerCase();
}

/** Whether a name is in the guest space (`guest-...`, in any case), which clients may not choose. */
export function isGuestName(name: string): boolean {
  return nameKey(name).startsWith(GUEST_PREFIX);
}

/** The name of a session that sets none: `guest-` and the first 8 characters of its id. */
export function guestName(sessionId: string): string {
  return `${GUEST_PREFIX}${sessionId.slice(0, 8)}`;
}
