/**
 * Text made safe to print on a terminal.
 *
 * @module
 */

/** Makes text safe to print on a terminal: control characters are shown, not obeyed. */
export function printable(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => {
    if (c === "\t") return " ";
    const code = c.charCodeAt(0);
    return code < 0x20 ? `^${String.fromCharCode(code + 64)}` : code === 0x7f ? "^?" : "\ufffd";
  });
}
