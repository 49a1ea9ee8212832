/**
 * The interactive client's line editor: terminal input in, an edited line,
 * a cursor and a history out. Pure: no I/O. {@linkcode KeyDecoder} turns the
 * text a terminal sends in raw mode (escape sequences may be split across
 * reads) into keys; {@linkcode LineEditor} applies keys to its buffer and
 * says when a line is submitted; {@linkcode LineEditor.view} gives the part
 * of the line that fits the screen and where the cursor is in it.
 *
 * @example
 * ```ts
 * import { deepStrictEqual, strictEqual } from "node:assert/strict";
 * import { LineEditor } from "./line_editor.ts";
 *
 * const editor = new LineEditor();
 * editor.feed("helo\x1b[D\x1b[Dl"); // type, two Left arrows, insert
 * strictEqual(editor.text, "hello");
 * strictEqual(editor.cursor, 3);
 * deepStrictEqual(editor.feed("\r"), [{ type: "submit", line: "hello" }]);
 * ```
 *
 * @module
 */

/** The keys other than typed text. */
export type KeyName =
  | "enter"
  | "backspace"
  | "delete"
  | "left"
  | "right"
  | "home"
  | "end"
  | "up"
  | "down"
  | "word-left"
  | "word-right"
  | "kill-start"
  | "kill-end"
  | "kill-word"
  | "kill-word-forward"
  | "yank"
  | "eof"
  | "interrupt"
  | "clear"
  | "tab";

/** A key the editor understands, decoded from terminal input: typed text, or a named key. */
export type Key = { name: "text"; text: string } | { name: KeyName };

/** What a key did beyond editing the line. */
export type EditorEvent =
  /** Enter: the line as typed (the buffer is then empty). */
  | { type: "submit"; line: string }
  /** Ctrl+D on an empty line. */
  | { type: "eof" }
  /** Ctrl+C. */
  | { type: "interrupt" }
  /** Ctrl+L: the screen should be cleared. */
  | { type: "clear" }
  /** Tab: the word before the cursor should be completed. */
  | { type: "complete" };

const ESC = "\x1b";

/** Single control bytes and the keys they are (readline's emacs bindings). */
const CONTROL: Record<string, KeyName> = {
  "\x01": "home", // Ctrl+A
  "\x02": "left", // Ctrl+B
  "\x03": "interrupt", // Ctrl+C
  "\x04": "eof", // Ctrl+D: end of input on an empty line, else Delete
  "\x05": "end", // Ctrl+E
  "\x06": "right", // Ctrl+F
  "\x08": "backspace", // Ctrl+H
  "\x0b": "kill-end", // Ctrl+K
  "\x0c": "clear", // Ctrl+L
  "\x0e": "down", // Ctrl+N
  "\x10": "up", // Ctrl+P
  "\x15": "kill-start", // Ctrl+U
  "\x17": "kill-word", // Ctrl+W
  "\x19": "yank", // Ctrl+Y
  "\x7f": "backspace",
};

/** Final bytes of `ESC [ ...` and `ESC O ...` sequences. */
const FINAL: Record<string, KeyName> = {
  A: "up",
  B: "down",
  C: "right",
  D: "left",
  H: "home",
  F: "end",
};

/** `ESC [ n ~` sequences. */
const TILDE: Record<string, KeyName> = {
  "1": "home",
  "7": "home",
  "4": "end",
  "8": "end",
  "3": "delete",
};

/** `ESC x` (Alt+x, Meta+x). */
const META: Record<string, KeyName> = {
  b: "word-left",
  f: "word-right",
  d: "kill-word-forward",
  "\x7f": "kill-word",
  "\x08": "kill-word",
};

/**
 * Decodes terminal input into keys. Keeps an escape sequence that a read
 * cut short until the rest arrives; ignores sequences it does not know.
 * Give it text (a UTF-8 decoder in streaming mode never splits a character).
 */
export class KeyDecoder {
  #pending = "";
  #afterCR = false;

  /** Whether an escape sequence is waiting for its end. */
  get pending(): boolean {
    return this.#pending !== "";
  }

  /** The keys in `input` (and in what was kept from earlier input). */
  push(input: string): Key[] {
    const s = this.#pending + input;
    this.#pending = "";
    const keys: Key[] = [];
    let text = "";
    const flush = () => {
      if (text !== "") keys.push({ name: "text", text });
      text = "";
    };
    let i = 0;
    while (i < s.length) {
      const c = s[i];
      const afterCR = this.#afterCR;
      this.#afterCR = false;
      if (c === ESC) {
        flush();
        const end = sequenceEnd(s, i);
        if (end === undefined) {
          this.#pending = s.slice(i);
          break;
        }
        const key = escapeKey(s.slice(i, end));
        if (key) keys.push({ name: key });
        i = end;
        continue;
      }
      if (c === "\r" || c === "\n") {
        flush();
        // A CR LF pair (pasted text) is one Enter.
        if (!(c === "\n" && afterCR)) keys.push({ name: "enter" });
        this.#afterCR = c === "\r";
        i++;
        continue;
      }
      const control = CONTROL[c];
      if (control) {
        flush();
        keys.push({ name: control });
      } else if (c === "\t") {
        flush();
        keys.push({ name: "tab" });
      } else if (!isControl(c.codePointAt(0)!)) {
        text += c;
      }
      i++;
    }
    flush();
    return keys;
  }
}

/** The index just past the escape sequence at `start`, or undefined if it is incomplete. */
function sequenceEnd(s: string, start: number): number | undefined {
  const kind = s[start + 1];
  if (kind === undefined) return undefined;
  if (kind === "[") {
    // CSI: parameter and intermediate bytes (0x20-0x3f), then a final byte (0x40-0x7e).
    for (let i = start + 2; i < s.length; i++) {
      const code = s.charCodeAt(i);
      if (code >= 0x40 && code <= 0x7e) return i + 1;
      if (code < 0x20 || code > 0x3f) return i; // Malformed: drop what came before.
    }
    return undefined;
  }
  if (kind === "O") return s.length > start + 2 ? start + 3 : undefined;
  if (kind === ESC) return start + 1; // ESC ESC: the first one alone, ignored.
  // Alt+key: ESC and one character (a whole surrogate pair).
  return start + 1 + String.fromCodePoint(s.codePointAt(start + 1)!).length;
}

function escapeKey(sequence: string): KeyName | undefined {
  const kind = sequence[1];
  const final = sequence[sequence.length - 1];
  if (kind === "O") return FINAL[final];
  if (kind !== "[") return META[kind];
  const params = sequence.slice(2, -1);
  if (final === "~") return TILDE[params.split(";")[0]];
  const key = FINAL[final];
  // Ctrl or Alt with an arrow (`ESC [ 1 ; 5 C`) moves by words.
  const modifier = Number(params.split(";")[1] ?? 1);
  if (modifier > 1 && key === "left") return "word-left";
  if (modifier > 1 && key === "right") return "word-right";
  return key;
}

function isControl(code: number): boolean {
  return code < 0x20 || code === 0x7f || (code >= 0x80 && code < 0xa0);
}

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** The user-perceived characters (grapheme clusters) of `text`. */
export function graphemes(text: string): string[] {
  return Array.from(segmenter.segment(text), (s) => s.segment);
}

/** Columns a grapheme takes on a terminal: 0, 1 or 2 (East Asian wide and emoji). */
export function graphemeWidth(grapheme: string): number {
  let width = 0;
  for (const char of grapheme) {
    const code = char.codePointAt(0)!;
    if (isZeroWidth(code)) continue;
    if (isWide(code) || char === "\ufe0f") return 2;
    width = 1;
  }
  return width;
}

/** Columns `text` takes on a terminal. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const g of graphemes(text)) width += graphemeWidth(g);
  return width;
}

function isZeroWidth(code: number): boolean {
  return (code >= 0x0300 && code <= 0x036f) || // combining diacritics
    (code >= 0x1ab0 && code <= 0x1aff) ||
    (code >= 0x1dc0 && code <= 0x1dff) ||
    (code >= 0x20d0 && code <= 0x20ff) ||
    (code >= 0xfe20 && code <= 0xfe2f) ||
    code === 0x200b || code === 0x200c || code === 0x200d || code === 0x2060 ||
    (code >= 0xfe00 && code <= 0xfe0e) || // variation selectors (not the emoji one)
    (code >= 0xe0100 && code <= 0xe01ef);
}

function isWide(code: number): boolean {
  return (code >= 0x1100 && code <= 0x115f) || // Hangul Jamo
    (code >= 0x2e80 && code <= 0x303e) || // CJK radicals, punctuation
    (code >= 0x3041 && code <= 0x33ff) || // kana, CJK compatibility
    (code >= 0x3400 && code <= 0x4dbf) ||
    (code >= 0x4e00 && code <= 0x9fff) || // CJK unified ideographs
    (code >= 0xa000 && code <= 0xa4cf) || // Yi
    (code >= 0xac00 && code <= 0xd7a3) || // Hangul syllables
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) || // fullwidth forms
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1f64f) || // emoji
    (code >= 0x1f900 && code <= 0x1f9ff) ||
    (code >= 0x1f680 && code <= 0x1f6ff) ||
    (code >= 0x20000 && code <= 0x3fffd);
}

/** Settings of a {@linkcode LineEditor}. */
export interface LineEditorOptions {
  /** Most lines kept in the history (default 1000). */
  historySize?: number;
}

/** What {@linkcode LineEditor.view} shows: the visible text and the cursor's column in it. */
export interface EditorView {
  /** The part of the line that fits, whole characters only. */
  text: string;
  /** The cursor's column, counted from the start of `text`. */
  cursor: number;
}

/**
 * An editable line with a cursor, a kill buffer and a history of submitted
 * lines, driven by keys the way readline's emacs mode is. The cursor is an
 * index into {@linkcode LineEditor.text} that always sits between two
 * grapheme clusters, so an emoji or an accented letter moves and deletes as
 * one character.
 */
export class LineEditor {
  #text = "";
  #cursor = 0;
  #history: string[] = [];
  /** Position in the history; `history.length` is the line being typed. */
  #index = 0;
  /** The line being typed, kept while browsing the history. */
  #draft = "";
  #killed = "";
  /** Index of the first visible character when the line is wider than the screen. */
  #scroll = 0;
  readonly #historySize: number;
  readonly #keys = new KeyDecoder();

  /** Creates an empty editor. */
  constructor(options: LineEditorOptions = {}) {
    this.#historySize = options.historySize ?? 1000;
  }

  /** The line as edited so far. */
  get text(): string {
    return this.#text;
  }

  /** The cursor, as an index into {@linkcode LineEditor.text} (UTF-16 code units). */
  get cursor(): number {
    return this.#cursor;
  }

  /** The submitted lines, oldest first. */
  get history(): readonly string[] {
    return this.#history;
  }

  /** Decodes terminal input and applies its keys; returns what happened, in order. */
  feed(input: string): EditorEvent[] {
    const events: EditorEvent[] = [];
    for (const key of this.#keys.push(input)) {
      const event = this.key(key);
      if (event) events.push(event);
    }
    return events;
  }

  /** Applies one key. */
  key(key: Key): EditorEvent | undefined {
    const before = this.#text.slice(0, this.#cursor);
    const after = this.#text.slice(this.#cursor);
    switch (key.name) {
      case "text":
        this.#set(before + key.text + after, this.#cursor + key.text.length);
        return;
      case "enter": {
        const line = this.#text;
        if (line.trim() !== "" && this.#history.at(-1) !== line) {
          this.#history.push(line);
          if (this.#history.length > this.#historySize) this.#history.shift();
        }
        this.#index = this.#history.length;
        this.#draft = "";
        this.#set("", 0);
        return { type: "submit", line };
      }
      case "backspace": {
        const last = graphemes(before).at(-1) ?? "";
        this.#set(before.slice(0, before.length - last.length) + after, this.#cursor - last.length);
        return;
      }
      case "eof":
        if (this.#text === "") return { type: "eof" };
        return this.key({ name: "delete" });
      case "delete": {
        const next = graphemes(after)[0] ?? "";
        this.#set(before + after.slice(next.length), this.#cursor);
        return;
      }
      case "left":
        this.#cursor -= (graphemes(before).at(-1) ?? "").length;
        return;
      case "right":
        this.#cursor += (graphemes(after)[0] ?? "").length;
        return;
      case "home":
        this.#cursor = 0;
        return;
      case "end":
        this.#cursor = this.#text.length;
        return;
      case "word-left":
        this.#cursor = wordStart(before);
        return;
      case "word-right":
        this.#cursor += wordEnd(after);
        return;
      case "kill-start":
        this.#kill(before);
        this.#set(after, 0);
        return;
      case "kill-end":
        this.#kill(after);
        this.#set(before, this.#cursor);
        return;
      case "kill-word": {
        const start = wordStart(before);
        this.#kill(before.slice(start));
        this.#set(before.slice(0, start) + after, start);
        return;
      }
      case "kill-word-forward": {
        const end = wordEnd(after);
        this.#kill(after.slice(0, end));
        this.#set(before + after.slice(end), this.#cursor);
        return;
      }
      case "yank":
        return this.key({ name: "text", text: this.#killed });
      case "up":
        if (this.#index === 0) return;
        if (this.#index === this.#history.length) this.#draft = this.#text;
        this.#index--;
        this.#set(this.#history[this.#index], this.#history[this.#index].length);
        return;
      case "down":
        if (this.#index === this.#history.length) return;
        this.#index++;
        {
          const line = this.#index === this.#history.length
            ? this.#draft
            : this.#history[this.#index];
          this.#set(line, line.length);
        }
        return;
      case "interrupt":
        return { type: "interrupt" };
      case "clear":
        return { type: "clear" };
      case "tab":
        return { type: "complete" };
    }
  }

  /** Replaces the line being edited and puts the cursor at `cursor` (a completion). */
  replace(text: string, cursor: number): void {
    this.#set(text, cursor);
  }

  /**
   * The part of the line that fits in `width` columns, scrolled sideways so
   * that the cursor stays visible (it keeps its scroll between calls, as a
   * terminal line editor does), and the cursor's column in it.
   */
  view(width: number): EditorView {
    width = Math.max(1, width);
    const parts = graphemes(this.#text);
    const widths = parts.map(graphemeWidth);
    // Grapheme indexes of the cursor and of the scroll point.
    let cursor = 0;
    let scroll = 0;
    for (let i = 0, at = 0; i < parts.length; at += parts[i++].length) {
      if (at < this.#cursor) cursor = i + 1;
      if (at <= this.#scroll) scroll = i;
    }
    if (scroll > cursor) scroll = cursor;
    // Scroll right until the text from the scroll point to the cursor fits,
    // with a column left for the cursor itself.
    let before = 0;
    for (let i = scroll; i < cursor; i++) before += widths[i];
    while (before > width - 1) before -= widths[scroll++];
    // Scroll back left while the rest of the line still fits (after a deletion).
    let rest = 0;
    for (let i = scroll; i < parts.length; i++) rest += widths[i];
    while (scroll > 0 && rest + widths[scroll - 1] <= width - 1) {
      rest += widths[--scroll];
      before += widths[scroll];
    }
    let text = "";
    for (let i = scroll, used = 0; i < parts.length && used + widths[i] <= width; i++) {
      text += parts[i];
      used += widths[i];
    }
    this.#scroll = parts.slice(0, scroll).join("").length;
    return { text, cursor: before };
  }

  #set(text: string, cursor: number): void {
    this.#text = text;
    this.#cursor = Math.max(0, Math.min(cursor, text.length));
  }

  #kill(text: string): void {
    if (text !== "") this.#killed = text;
  }
}

/** Where the word before the end of `text` starts (spaces before it are part of the move). */
function wordStart(text: string): number {
  let i = text.length;
  while (i > 0 && /\s/.test(text[i - 1])) i--;
  while (i > 0 && !/\s/.test(text[i - 1])) i--;
  return i;
}

/** Where the first word of `text` ends (spaces before it are part of the move). */
function wordEnd(text: string): number {
  let i = 0;
  while (i < text.length && /\s/.test(text[i])) i++;
  while (i < text.length && !/\s/.test(text[i])) i++;
  return i;
}
