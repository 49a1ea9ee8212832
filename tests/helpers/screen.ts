/**
 * A tiny terminal emulator for tests: feed it what a program wrote to its
 * terminal and read back the screen, line by line, with the cursor. It
 * knows what a line editor uses: printable text, CR, LF, backspace, and the
 * CSI sequences that move the cursor and erase (K, J, A to D, G, H); other
 * escape sequences are skipped. One column per character; the screen grows
 * downwards without limit (no scrolling region).
 *
 * @module
 */

/** A virtual terminal screen. */
export class Screen {
  readonly columns: number;
  #rows: string[][] = [[]];
  #row = 0;
  #col = 0;
  /** An escape sequence cut short by the end of a chunk. */
  #pending = "";

  /** Creates an empty screen `columns` wide. */
  constructor(columns = 80) {
    this.columns = columns;
  }

  /** The cursor: row (from the top of everything written) and column, from 0. */
  get cursor(): { row: number; col: number } {
    return { row: this.#row, col: this.#col };
  }

  /** Every line written so far, trailing spaces removed. */
  get lines(): string[] {
    return this.#rows.map((row) => row.map((c) => c ?? " ").join("").trimEnd());
  }

  /** The line the cursor is on. */
  get cursorLine(): string {
    return this.lines[this.#row];
  }

  /** The last line that is not blank. */
  get lastLine(): string {
    return this.lines.findLast((line) => line !== "") ?? "";
  }

  /** Applies terminal output. */
  write(text: string): void {
    const s = this.#pending + text;
    this.#pending = "";
    for (let i = 0; i < s.length;) {
      const c = s[i];
      if (c === "\x1b") {
        const end = this.#escape(s, i);
        if (end === undefined) {
          this.#pending = s.slice(i);
          return;
        }
        i = end;
        continue;
      }
      const code = c.codePointAt(0)!;
      const char = String.fromCodePoint(code);
      i += char.length;
      if (c === "\r") this.#col = 0;
      else if (c === "\n") this.#moveTo(this.#row + 1, this.#col);
      else if (c === "\b") this.#col = Math.max(0, this.#col - 1);
      else if (code >= 0x20 && code !== 0x7f) this.#put(char);
    }
  }

  #put(char: string): void {
    if (this.#col >= this.columns) this.#moveTo(this.#row + 1, 0);
    const row = this.#rows[this.#row];
    while (row.length < this.#col) row.push(" ");
    row[this.#col++] = char;
  }

  #moveTo(row: number, col: number): void {
    this.#row = Math.max(0, row);
    this.#col = Math.max(0, Math.min(col, this.columns));
    while (this.#rows.length <= this.#row) this.#rows.push([]);
  }

  /** Applies the escape sequence at `start`; returns where it ends, or undefined if cut short. */
  #escape(s: string, start: number): number | undefined {
    if (start + 1 >= s.length) return undefined;
    if (s[start + 1] !== "[") return start + 2; // ESC x: skipped.
    let end = start + 2;
    while (end < s.length && !(s.charCodeAt(end) >= 0x40 && s.charCodeAt(end) <= 0x7e)) end++;
    if (end >= s.length) return undefined;
    const params = s.slice(start + 2, end).split(";").map((p) => (p === "" ? NaN : Number(p)));
    const n = Number.isNaN(params[0]) ? 1 : params[0];
    const row = this.#rows[this.#row];
    switch (s[end]) {
      case "K": {
        const mode = Number.isNaN(params[0]) ? 0 : params[0];
        if (mode === 0) row.length = Math.min(row.length, this.#col);
        else if (mode === 1) {
          for (let i = 0; i <= this.#col && i < row.length; i++) {
            row[i] = " ";
          }
        } else row.length = 0;
        break;
      }
      case "J":
        if (params[0] === 2 || params[0] === 3) {
          for (const r of this.#rows) r.length = 0;
        }
        break;
      case "A":
        this.#moveTo(this.#row - n, this.#col);
        break;
      case "B":
        this.#moveTo(this.#row + n, this.#col);
        break;
      case "C":
        this.#moveTo(this.#row, this.#col + n);
        break;
      case "D":
        this.#moveTo(this.#row, this.#col - n);
        break;
      case "G":
        this.#moveTo(this.#row, n - 1);
        break;
      case "H": {
        // Rows count from the top of what is on screen; this screen has no top, so row 1 is
        // kept as the current row (enough for "home, clear").
        const col = Number.isNaN(params[1]) || params[1] === undefined ? 1 : params[1];
        this.#moveTo(this.#row, col - 1);
        break;
      }
    }
    return end + 1;
  }
}
