/**
 * Which origins may open `/ws`: none (not a browser), the page's own (host
 * and port of the request's `Host`, default ports filled in), and those
 * given with `--http-origin`, compared as serialized origins.
 *
 * @module
 */

import { strictEqual } from "node:assert/strict";
import { normalizeOrigin, originAllowed } from "../../src/web/origin.ts";

Deno.test("normalizeOrigin() serializes http(s) origins and refuses anything with more", () => {
  const cases: [string, string | undefined][] = [
    ["https://chat.example.com", "https://chat.example.com"],
    ["HTTPS://Chat.Example.COM:443/", "https://chat.example.com"],
    ["http://127.0.0.1:8080", "http://127.0.0.1:8080"],
    ["http://[::1]:80", "http://[::1]"],
    ["https://chat.example.com/app", undefined],
    ["https://chat.example.com/?x", undefined],
    ["https://chat.example.com#x", undefined],
    ["https://user:pw@chat.example.com", undefined],
    ["ftp://chat.example.com", undefined],
    ["chat.example.com", undefined],
    ["null", undefined],
    ["", undefined],
  ];
  for (const [value, expected] of cases) strictEqual(normalizeOrigin(value), expected, value);
});

Deno.test("originAllowed() lets in no Origin, the Host's own host and port, and the allowed list", () => {
  const allowed = new Set(["https://chat.example.com"]);
  const cases: [string | null, string | null, "http:" | "https:", boolean][] = [
    [null, "127.0.0.1:8080", "http:", true],
    [null, null, "http:", true],
    ["http://127.0.0.1:8080", "127.0.0.1:8080", "http:", true],
    // Host and port are compared, not the scheme: a page over http and wss behind a proxy.
    ["https://127.0.0.1:8080", "127.0.0.1:8080", "http:", true],
    ["http://LOCALHOST:8080", "localhost:8080", "http:", true],
    ["https://chat.local", "chat.local", "https:", true],
    ["https://chat.local:443", "chat.local", "https:", true],
    ["http://chat.local", "chat.local:80", "http:", true],
    ["http://[::1]:8080", "[::1]:8080", "http:", true],
    ["https://chat.example.com", "127.0.0.1:8080", "http:", true],
    ["https://chat.example.com:443", "127.0.0.1:8080", "http:", true],
    ["http://127.0.0.1:8081", "127.0.0.1:8080", "http:", false],
    ["http://localhost:8080", "127.0.0.1:8080", "http:", false],
    ["http://chat.local", "chat.local", "https:", false], // port 80 against 443
    ["https://evil.example", "127.0.0.1:8080", "http:", false],
    ["https://chat.example.com:8443", "127.0.0.1:8080", "http:", false],
    ["http://127.0.0.1:8080", null, "http:", false],
    ["http://127.0.0.1:8080", "127.0.0.1:8080/x", "http:", false],
    ["http://a", "evil@a", "http:", false],
    ["null", "127.0.0.1:8080", "http:", false],
    ["", "127.0.0.1:8080", "http:", false],
  ];
  for (const [origin, host, scheme, expected] of cases) {
    strictEqual(originAllowed(origin, host, scheme, allowed), expected, `${origin} at ${host}`);
  }
});
