/**
 * The web chat page (`src/web/page/`), inside the program: imported as
 * text, so the module graph holds it and `deno compile` embeds it, and
 * nothing is read from disk at run time.
 *
 * @module
 */

import css from "./page/chat.css" with { type: "text" };
import icon from "./page/favicon.svg" with { type: "text" };
import js from "./page/chat.js" with { type: "text" };
import html from "./page/index.html" with { type: "text" };

/** A file of the page: its content type and text. */
export interface PageAsset {
  /** The `Content-Type` it is served with. */
  readonly type: string;
  /** Its text. */
  readonly body: string;
}

/** The page's files by the path they are served at. */
export const PAGE_ASSETS: ReadonlyMap<string, PageAsset> = new Map([
  ["/", { type: "text/html; charset=utf-8", body: html }],
  ["/chat.css", { type: "text/css; charset=utf-8", body: css }],
  ["/chat.js", { type: "text/javascript; charset=utf-8", body: js }],
  // Where browsers look for an icon by default: a small SVG, which they all take there.
  ["/favicon.ico", { type: "image/svg+xml", body: icon }],
]);
