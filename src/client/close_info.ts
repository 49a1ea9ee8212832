/**
 * How a client's connection ended, and the error a request gets when it
 * could not complete because of that.
 *
 * @module
 */

import type { ErrorCode } from "../protocol/errors.ts";

/** How and why a client's connection ended. */
export interface CloseInfo {
  /** A human-readable reason. */
  reason: string;
  /** The protocol error code that ended it, if any. */
  code?: ErrorCode;
  /** True when the server ended it (a `disconnect`, an error or a close). */
  byServer: boolean;
}

/** A request could not complete because the connection ended. */
export class ConnectionClosedError extends Error {
  /** How the connection ended. */
  readonly info: CloseInfo;

  /** Creates the error from the close information. */
  constructor(info: CloseInfo) {
    super(`connection closed: ${info.reason}`);
    this.name = "ConnectionClosedError";
    this.info = info;
  }
}
