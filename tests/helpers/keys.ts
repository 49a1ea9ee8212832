/**
 * What a terminal sends for a key: the bytes the interactive client's line
 * editor decodes, for tests that type them.
 *
 * @module
 */

/** The up arrow. */
export const UP = "\x1b[A";
/** The down arrow. */
export const DOWN = "\x1b[B";
/** The right arrow. */
export const RIGHT = "\x1b[C";
/** The left arrow. */
export const LEFT = "\x1b[D";
/** Home. */
export const HOME = "\x1b[H";
/** End. */
export const END = "\x1b[F";
/** Delete (forward). */
export const DELETE = "\x1b[3~";
/** Backspace. */
export const BACKSPACE = "\x7f";
/** Ctrl+C. */
export const CTRL_C = "\x03";
/** Ctrl+D. */
export const CTRL_D = "\x04";
/** Ctrl+U. */
export const CTRL_U = "\x15";
