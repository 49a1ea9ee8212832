/**
 * The handlers that ship with the server, by name.
 *
 * @module
 */

import type { MessageHandler } from "../handler.ts";
import { chatHandler } from "./chat.ts";
import { echoHandler } from "./echo.ts";

export { chatHandler, echoHandler };

/** The built-in handlers, by the name `--handler` takes. */
export const BUILTIN_HANDLERS: Readonly<Record<string, MessageHandler>> = {
  chat: chatHandler,
  echo: echoHandler,
};
