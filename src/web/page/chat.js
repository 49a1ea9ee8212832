// The web chat client served at / by `chat server --http` (PROTOCOL.md
// sections 3 to 11 over the WebSocket of section 10). Plain JavaScript, no
// dependencies. Everything received is shown with textContent, never as HTML.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const ui = {
    status: $("status"),
    statusText: $("status-text"),
    reconnect: $("reconnect"),
    nameForm: $("name-form"),
    name: $("name"),
    nameSet: $("name-set"),
    nameNote: $("name-note"),
    login: $("login"),
    loginNote: $("login-note"),
    loginForm: $("login-form"),
    loginUser: $("login-user"),
    loginPassword: $("login-password"),
    loginSubmit: $("login-submit"),
    loginGuest: $("login-guest"),
    loginError: $("login-error"),
    chat: $("chat"),
    log: $("log"),
    sendForm: $("send-form"),
    target: $("target"),
    message: $("message"),
    sendError: $("send-error"),
    rooms: $("rooms"),
    joinForm: $("join-form"),
    room: $("room"),
    people: $("people"),
    refreshWho: $("refresh-who"),
  };

  /** Disconnect reasons after which the page does not reconnect (PROTOCOL.md section 11). */
  const FINAL_REASONS = ["logged in elsewhere", "account removed", "account changed"];
  /** Errors on session_ack after which the handshake still completes. */
  const NAME_ERRORS = ["name_taken", "invalid_name", "not_permitted"];
  const HANDSHAKE_ID = "hs";
  const HISTORY_LIMIT = 50;
  /** What a line typed while the chat is away shows until it is sent. */
  const WAITING = "waiting for the connection…";
  const store = sessionStorage;
  const encoder = new TextEncoder();

  const state = {
    ws: null,
    /** connecting | online | reconnecting | offline */
    phase: "connecting",
    sessionId: "",
    /** The session id of this connection's session_init (a failed resume goes on with it). */
    initId: "",
    name: "",
    wantedName: localStorage.getItem("chat.name") || "",
    maxFrame: 1048576,
    heartbeat: { interval: 5, timeout: 10, retries: 3 },
    lastHeard: 0,
    ticker: 0,
    retryTimer: 0,
    retryDelay: 500,
    /** Rooms this session is in, and rooms to join again after a reconnect without resume. */
    rooms: new Set(),
    /** The largest seq seen, in messages or acks (for resume). */
    seq: Number(store.getItem("chat.seq") || 0),
    resumeToken: store.getItem("chat.resume") || "",
    /** Whether the server keeps history (it sent a resume_token). */
    history: false,
    /** Whether this connection's session_ack asked to resume. */
    resuming: false,
    /** The resume token of this connection's session_init, kept once no resume took over. */
    pendingToken: "",
    nextId: Number(store.getItem("chat.id") || 1),
    /** Requests by id: what to do with their answer. */
    requests: new Map(),
    /** Messages sent and not yet acknowledged, by id: { frame, entry }. */
    unacked: new Map(),
    /** Seqs shown in the log (a replay never shows a message twice). */
    shown: new Set(),
    who: [],
    whoParts: [],
    login: null,
    guests: false,
    auth: null,
    guest: false,
    stopped: false,
    everConnected: false,
  };

  // --- Login token from the address's fragment (#jwt=...), removed once read.
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.has("jwt")) {
    state.auth = { jwt: fragment.get("jwt") };
    history.replaceState(null, "", location.pathname + location.search);
  }

  // --- Showing text safely.

  /**
   * Characters shown as \uXXXX: controls other than line feed and tab, bidi
   * controls, invisible spaces and joiners that are not part of emoji or scripts.
   */
  const INVISIBLE =
    /[\p{Cc}\u061C\u200B\u200E\u200F\u202A-\u202E\u2060\u2066-\u2069\uFEFF\u2028\u2029]/u;

  /** Appends `text` to `parent` as text nodes, with invisible characters shown as \uXXXX. */
  function appendText(parent, text) {
    let run = "";
    for (const ch of String(text)) {
      if (ch !== "\n" && ch !== "\t" && INVISIBLE.test(ch)) {
        if (run) parent.append(run);
        run = "";
        const mark = document.createElement("span");
        mark.className = "escape";
        mark.textContent = "\\u" + ch.codePointAt(0).toString(16).toUpperCase().padStart(4, "0");
        parent.append(mark);
      } else {
        run += ch;
      }
    }
    if (run) parent.append(run);
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) appendText(node, text);
    return node;
  }

  function timeOf(ms) {
    const date = new Date(ms);
    const node = document.createElement("time");
    node.dateTime = date.toISOString();
    node.title = date.toLocaleString();
    node.textContent = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    return node;
  }

  // --- The log.

  function scrolledDown() {
    return ui.log.scrollHeight - ui.log.scrollTop - ui.log.clientHeight < 40;
  }

  /** Adds an entry: in seq order when it has one (history), else at the end. */
  function addEntry(entry, seq) {
    const follow = scrolledDown();
    let before = null;
    if (seq !== undefined) {
      entry.dataset.seq = String(seq);
      for (const other of ui.log.children) {
        if (other.dataset.seq && Number(other.dataset.seq) > seq) {
          before = other;
          break;
        }
      }
    }
    ui.log.insertBefore(entry, before);
    if (follow) ui.log.scrollTop = ui.log.scrollHeight;
  }

  /** A line of the chat's own: a notice, an error, a state change. */
  function info(text, kind = "info") {
    const entry = element("li", kind);
    entry.dataset.kind = kind;
    const body = element("div", "body");
    body.append(element("span", "text", text));
    entry.append(timeOf(Date.now()), body);
    addEntry(entry);
    return entry;
  }

  /** The mark of a name that logged in to an account (PROTOCOL.md section 11). */
  function verifiedBadge() {
    const badge = element("span", "badge verified", "✓");
    badge.title = "verified account";
    badge.setAttribute("aria-label", "verified account");
    return badge;
  }

  /** Where a message went: [#room], (dm), or nothing for everyone. */
  function whereOf(frame) {
    if (typeof frame.room === "string") return "#" + frame.room;
    if (typeof frame.to === "string") return "(dm)";
    return "";
  }

  function messageEntry(frame, own) {
    const entry = element("li", own ? "message own" : "message");
    entry.dataset.kind = "message";
    entry.dataset.from = own ? state.name : String(frame.from ?? "");
    if (typeof frame.room === "string") entry.dataset.room = frame.room;
    if (typeof frame.to === "string") entry.dataset.to = frame.to;
    if (frame.replay) entry.classList.add("replay");
    // The time, then the message in a column of its own: a second line of it is
    // indented under the first, and cannot pass for another message.
    const body = element("div", "body");
    entry.append(timeOf(typeof frame.ts === "number" ? frame.ts : Date.now()), body);
    const where = whereOf(frame);
    if (where) {
      const label = own && frame.to ? "(dm to " + frame.to + ")" : where;
      body.append(element("span", "where", label));
    }
    // "carol ✓: text": the badge between the name and its colon, spaced by text.
    body.append(element("bdi", "from", own ? state.name || "you" : frame.from ?? "?"));
    if (frame.verified) body.append(" ", verifiedBadge());
    body.append(": ", element("bdi", "text", frame.content));
    return entry;
  }

  function showMessage(frame) {
    if (typeof frame.seq === "number") {
      if (state.shown.has(frame.seq)) return;
      state.shown.add(frame.seq);
      noteSeq(frame.seq);
    }
    const entry = messageEntry(frame, frame.from === state.name && frame.replay);
    addEntry(entry, typeof frame.seq === "number" ? frame.seq : undefined);
    // A sender not listed, or listed away, is back: the list is out of date.
    const listed = state.who.find((person) => person.name === frame.from);
    if (!frame.replay && (!listed || listed.away)) refreshWho();
  }

  /** Forgets the seqs seen: the next ones may repeat them for other messages. */
  function forgetNumbering() {
    for (const entry of ui.log.querySelectorAll("[data-seq]")) delete entry.dataset.seq;
    state.shown.clear();
    state.seq = 0;
    store.setItem("chat.seq", "0");
  }

  function noteSeq(seq) {
    if (seq > state.seq) {
      state.seq = seq;
      store.setItem("chat.seq", String(seq));
    }
  }

  // --- Connection state.

  function setPhase(phase, text) {
    state.phase = phase;
    ui.status.dataset.state = phase;
    ui.statusText.textContent = text;
    ui.reconnect.hidden = phase !== "reconnecting" && phase !== "offline";
  }

  function url() {
    return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws";
  }

  function connect() {
    clearTimeout(state.retryTimer);
    state.stopped = false;
    if (state.ws) return;
    setPhase(state.everConnected ? "reconnecting" : "connecting", "Connecting…");
    const ws = new WebSocket(url());
    state.ws = ws;
    state.sessionId = "";
    ws.onmessage = (event) => {
      if (ws !== state.ws) return;
      state.lastHeard = Date.now();
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      if (frame && typeof frame.type === "string") receive(frame);
    };
    ws.onclose = () => {
      if (ws === state.ws) closed();
    };
  }

  function closed() {
    state.ws = null;
    clearInterval(state.ticker);
    const wasOnline = state.phase === "online";
    for (const [, pending] of state.requests) pending.lost?.();
    state.requests.clear();
    if (state.stopped) return;
    if (wasOnline) info("Connection lost.");
    const delay = state.retryDelay;
    state.retryDelay = Math.min(15000, state.retryDelay * 2);
    setPhase("reconnecting", "Offline: reconnecting in " + Math.ceil(delay / 1000) + " s");
    state.retryTimer = setTimeout(connect, delay * (0.8 + 0.4 * Math.random()));
  }

  /** Stops for good (until the user acts): a refused login, a final disconnect. */
  function stop(text) {
    state.stopped = true;
    clearTimeout(state.retryTimer);
    setPhase("offline", text);
    if (state.ws) state.ws.close();
  }

  function write(frame) {
    if (!state.ws || state.ws.readyState !== WebSocket.OPEN) return false;
    frame.session_id = state.sessionId;
    state.ws.send(JSON.stringify(frame));
    return true;
  }

  /** A request id not used before in this tab (kept across reloads, for resends after a resume). */
  function newId() {
    const id = state.nextId++;
    store.setItem("chat.id", String(state.nextId));
    return id;
  }

  /** Sends a request with a fresh id; `then` gets its answer (ack, reply or error). */
  function request(frame, then, lost) {
    frame.id = newId();
    if (!write(frame)) return false;
    state.requests.set(frame.id, { then, lost });
    return true;
  }

  // --- Frames from the server.

  function receive(frame) {
    if (frame.type === "session_init") return opened(frame);
    if (typeof frame.session_id === "string" && frame.type !== "resumed") {
      state.sessionId = frame.session_id;
    }
    // Messages and notices answer nothing, whatever id they carry.
    switch (frame.type) {
      case "message":
        return showMessage(frame);
      case "notice":
        return notice(frame);
      case "resumed":
        return resumed(frame);
      case "disconnect":
        return disconnected(frame);
      case "heartbeat":
        return;
    }
    if (frame.id === HANDSHAKE_ID) return handshakeAnswer(frame);
    if (frame.id !== undefined && state.requests.has(frame.id)) {
      const pending = state.requests.get(frame.id);
      // A who answer may come in several frames; the last has no "more".
      if (!(frame.type === "who" && frame.more)) state.requests.delete(frame.id);
      pending.then(frame);
      return;
    }
    if (frame.type === "error") serverError(frame);
  }

  function opened(init) {
    state.sessionId = String(init.session_id);
    state.initId = state.sessionId;
    if (typeof init.max_frame === "number") state.maxFrame = init.max_frame;
    if (init.heartbeat && init.heartbeat.interval > 0) state.heartbeat = init.heartbeat;
    state.history = typeof init.resume_token === "string";
    state.login = Array.isArray(init.login) ? init.login : null;
    state.guests = init.guests === true;
    const resume = state.history && state.resumeToken
      ? { token: state.resumeToken, seq: state.seq }
      : undefined;
    // A resume needs no login; the token of this connection replaces the old one once it fails.
    state.pendingToken = state.history ? init.resume_token : "";
    if (state.login && !state.auth && !state.guest && !resume) {
      // Wait for the form without holding a handshake open (it has a timeout).
      stop("Log in to chat");
      return askLogin();
    }
    acknowledge(resume);
  }

  function acknowledge(resume) {
    ui.login.hidden = true;
    const ack = { type: "session_ack", content: "Session acknowledged", id: HANDSHAKE_ID };
    if (state.wantedName && !state.login) ack.name = state.wantedName;
    if (state.auth) ack.auth = state.auth;
    if (resume) ack.resume = resume;
    state.resuming = resume !== undefined;
    write(ack);
  }

  function askLogin() {
    const first = ui.login.hidden;
    ui.login.hidden = false;
    const password = state.login.includes("password");
    ui.loginForm.hidden = !password && !state.guests;
    for (const field of [ui.loginUser, ui.loginPassword, ui.loginSubmit]) {
      field.disabled = !password;
    }
    ui.loginGuest.hidden = !state.guests;
    ui.loginNote.textContent = password
      ? "This server knows who is who: log in with your account."
      : "This server takes login tokens: open this page with #jwt=<token> in its address.";
    if (first) (password ? ui.loginUser : ui.loginGuest).focus();
  }

  function handshakeAnswer(frame) {
    if (frame.type === "error") {
      if (NAME_ERRORS.includes(frame.code)) {
        info("Name refused: " + frame.content, "error");
        return;
      }
      if (frame.code === "unauthorized") {
        state.auth = null;
        ui.loginError.textContent = "Login refused: " + frame.content;
        stop("Login refused");
        if (state.login) askLogin();
        return;
      }
      return serverError(frame);
    }
    if (frame.type !== "ack") return;
    state.name = typeof frame.name === "string" ? frame.name : state.name;
    ui.name.value = state.name;
    renameAllowed();
    state.everConnected = true;
    state.retryDelay = 500;
    setPhase("online", "Connected as " + state.name);
    startHeartbeat();
    if (!state.resuming) {
      adoptToken(state.pendingToken);
      restart();
    }
  }

  /**
   * The name box works only where /nick does: a server that knows who is
   * who (it announced logins) keeps an account's name and a guest's guest
   * name (PROTOCOL.md section 11), so the box is disabled, saying why.
   */
  function renameAllowed() {
    const fixed = state.login !== null;
    ui.name.disabled = fixed;
    ui.nameSet.disabled = fixed;
    ui.nameNote.hidden = !fixed;
    ui.nameNote.textContent = !fixed
      ? ""
      : state.name.startsWith("guest-")
      ? "Guests keep their guest name on this server."
      : "Your account's name: it cannot be changed here.";
  }

  function adoptToken(token) {
    state.resumeToken = token || "";
    if (token) store.setItem("chat.resume", token);
    else store.removeItem("chat.resume");
  }

  /** A new session (no resume, or one that recovered nothing): rooms again, who, history. */
  function restart() {
    const rooms = [...state.rooms];
    state.rooms.clear();
    renderRooms();
    const queued = [];
    for (const [id, pending] of state.unacked) {
      if (pending.sent) {
        // The lost session may have relayed it or not: it is not sent twice.
        markFailed(pending.entry, "not delivered (connection lost)");
        state.unacked.delete(id);
      } else {
        queued.push(pending);
      }
    }
    for (const room of rooms) join(room);
    // Lines typed while away were never sent: they go now, after the joins they may need.
    for (const pending of queued) transmit(pending);
    if (state.history && state.shown.size === 0) loadHistory(undefined);
    refreshWho();
  }

  function resumed(frame) {
    const content = frame.content || {};
    // The resume failed: a new session, on a server that may number messages anew
    // (restarted without its history). What is on screen stays, ordered before what comes.
    // (Compared with session_init's id: the replayed messages before `resumed` already
    // carry the resumed session's id.)
    if (String(frame.session_id) === state.initId) forgetNumbering();
    state.sessionId = String(frame.session_id);
    adoptToken(frame.resume_token);
    if (typeof frame.name === "string") {
      state.name = frame.name;
      ui.name.value = frame.name;
      setPhase("online", "Connected as " + state.name);
    }
    renameAllowed();
    if (typeof content.seq === "number") noteSeq(content.seq);
    if (content.recovered) {
      state.rooms = new Set(Array.isArray(frame.rooms) ? frame.rooms : []);
      renderRooms();
      // Every message with no ack is sent (again): the server delivers each once.
      for (const [, pending] of state.unacked) transmit(pending);
      if (content.replayed > 0) info("Back: " + content.replayed + " missed messages above.");
      refreshWho();
      return;
    }
    restart();
  }

  function startHeartbeat() {
    clearInterval(state.ticker);
    const { interval, timeout, retries } = state.heartbeat;
    state.lastHeard = Date.now();
    let beats = 0;
    state.ticker = setInterval(() => {
      if (Date.now() - state.lastHeard > timeout * retries * 1000) {
        // Heard nothing for too long: the link is dead.
        state.ws?.close();
        return;
      }
      write({ type: "heartbeat", content: "ping" });
      // Sessions without a room come and go without notices: ask again now and then.
      if (++beats * interval >= 30) {
        beats = 0;
        refreshWho();
      }
    }, interval * 1000);
  }

  function notice(frame) {
    const name = frame.name ?? "";
    const room = frame.room ? " #" + frame.room : "";
    const text = frame.event === "join"
      ? name + " joined" + room
      : frame.event === "leave"
      ? name + (frame.reason === "quit" ? " quit" : " left") + room
      : frame.event === "nick"
      ? (frame.old ?? "?") + " is now " + name
      : "notice: " + JSON.stringify(frame);
    const entry = info(text, "notice");
    entry.dataset.kind = "notice";
    refreshWho();
  }

  function disconnected(frame) {
    const reason = String(frame.content ?? "disconnect");
    info("Disconnected by the server: " + reason, "error");
    if (FINAL_REASONS.includes(reason)) {
      state.auth = null;
      adoptToken("");
      stop("Disconnected: " + reason);
    }
  }

  function serverError(frame) {
    info("Error " + frame.code + ": " + frame.content, "error");
  }

  // --- Requests.

  function sendMessage(text) {
    const target = ui.target.value;
    const frame = { type: "message", content: text };
    if (target.startsWith("#")) frame.room = target.slice(1);
    else if (target.startsWith("@")) frame.to = target.slice(1);
    const size =
      encoder.encode(JSON.stringify({ ...frame, id: state.nextId, session_id: state.sessionId }))
        .length;
    if (size > state.maxFrame) {
      ui.sendError.textContent = "Too long: the server takes frames of at most " + state.maxFrame +
        " bytes.";
      return false;
    }
    if (state.phase === "offline") {
      ui.sendError.textContent = "Not connected: connect again first.";
      return false;
    }
    const entry = messageEntry(frame, true);
    entry.classList.add("pending");
    entry.querySelector(".body").append(element("span", "state", WAITING));
    addEntry(entry);
    // Its id now: a line typed while the chat is away keeps it until it is sent, once.
    frame.id = newId();
    const pending = { frame, entry, sent: false };
    state.unacked.set(frame.id, pending);
    if (state.phase === "online") transmit(pending);
    return true;
  }

  /** Sends a message of {@link sendMessage} on this connection, its ack awaited; false when closed. */
  function transmit(pending) {
    if (!write(pending.frame)) return false;
    pending.sent = true;
    pending.entry.querySelector(".state").textContent = "sending…";
    state.requests.set(pending.frame.id, { then: (answer) => acked(pending, answer) });
    return true;
  }

  function acked(pending, answer) {
    state.unacked.delete(pending.frame.id);
    const mark = pending.entry.querySelector(".state");
    if (answer.type === "error") return markFailed(pending.entry, answer.content);
    pending.entry.classList.remove("pending");
    if (typeof answer.seq === "number") {
      noteSeq(answer.seq);
      state.shown.add(answer.seq);
      pending.entry.dataset.seq = String(answer.seq);
    }
    const n = answer.recipients;
    // (An empty list: no who here, as with the echo handler.)
    if (typeof n === "number" && state.who.length > 0 && n !== expectedRecipients(pending.frame)) {
      refreshWho();
    }
    mark.textContent = typeof n === "number" ? "✓ " + n : "✓";
    mark.title = typeof n === "number" ? "delivered to " + n : "delivered";
  }

  /**
   * How many sessions the list shows a message of ours was for (away ones
   * included, as the server counts them); an ack that says otherwise means
   * that someone came or went without a notice (sessions in no room have
   * none: PROTOCOL.md section 8), and the list is asked for again.
   */
  function expectedRecipients(frame) {
    const others = state.who.filter((person) => person.session_id !== state.sessionId);
    if (typeof frame.to === "string") return frame.to === state.name ? 0 : 1;
    if (typeof frame.room !== "string") return others.length;
    const key = frame.room.toLowerCase();
    return others.filter((person) =>
      Array.isArray(person.rooms) &&
      person.rooms.some((room) => String(room).toLowerCase() === key)
    ).length;
  }

  function markFailed(entry, why) {
    entry.classList.remove("pending");
    entry.classList.add("failed");
    const mark = entry.querySelector(".state");
    if (mark) mark.textContent = "✗ " + why;
  }

  /** Sends `join` or `leave` for `room`; `done` follows its ack, an error is shown. */
  function roomRequest(verb, room, done) {
    request({ type: verb, content: room }, (answer) => {
      if (answer.type === "error") {
        return info("Cannot " + verb + " #" + room + ": " + answer.content, "error");
      }
      done();
    });
  }

  function join(room) {
    roomRequest("join", room, () => {
      state.rooms.add(room);
      renderRooms();
      ui.target.value = "#" + room;
      loadHistory(room);
      refreshWho();
    });
  }

  function leave(room) {
    roomRequest("leave", room, () => {
      state.rooms.delete(room);
      renderRooms();
      info("You left #" + room + ".");
    });
  }

  function loadHistory(room) {
    if (!state.history) return;
    const frame = { type: "history", limit: HISTORY_LIMIT };
    if (room !== undefined) frame.room = room;
    // Replayed messages arrive before this answer; an error (no history here) is ignored.
    request(frame, () => {});
  }

  function rename(name) {
    state.wantedName = name;
    localStorage.setItem("chat.name", name);
    if (state.phase !== "online") return;
    request({ type: "nick", content: name }, (answer) => {
      if (answer.type === "error") return info("Name refused: " + answer.content, "error");
      state.name = String(answer.content);
      ui.name.value = state.name;
      setPhase("online", "Connected as " + state.name);
    });
  }

  let whoTimer = 0;
  function refreshWho() {
    clearTimeout(whoTimer);
    whoTimer = setTimeout(() => {
      const parts = [];
      request({ type: "who" }, (answer) => {
        if (answer.type !== "who") return;
        parts.push(...(Array.isArray(answer.content) ? answer.content : []));
        if (!answer.more) renderPeople(parts);
      });
    }, 50);
  }

  // --- Rendering the side lists and the target menu.

  function renderRooms() {
    ui.rooms.replaceChildren();
    for (const room of [...state.rooms].sort()) {
      const item = document.createElement("li");
      const talk = element("button", "name", "#" + room);
      talk.type = "button";
      talk.title = "Talk in #" + room;
      talk.addEventListener("click", () => {
        ui.target.value = "#" + room;
        ui.message.focus();
      });
      const out = element("button", "", "Leave");
      out.type = "button";
      out.setAttribute("aria-label", "Leave #" + room);
      out.addEventListener("click", () => leave(room));
      item.append(talk, out);
      ui.rooms.append(item);
    }
    renderTargets();
  }

  function renderPeople(people) {
    state.who = people;
    ui.people.replaceChildren();
    for (const person of people) {
      const item = document.createElement("li");
      item.dataset.name = person.name;
      const name = element("bdi", "name", person.name);
      item.append(name);
      if (person.verified) {
        item.append(verifiedBadge());
      } else if (String(person.name).startsWith("guest-")) {
        item.append(element("span", "badge", "guest"));
      }
      if (person.away) item.append(element("span", "badge", "away"));
      if (person.session_id === state.sessionId) {
        item.append(element("span", "badge", "you"));
      } else {
        const dm = element("button", "", "Message");
        dm.type = "button";
        dm.setAttribute("aria-label", "Message " + person.name + " directly");
        dm.addEventListener("click", () => {
          ui.target.value = "@" + person.name;
          ui.message.focus();
        });
        item.append(dm);
      }
      ui.people.append(item);
    }
    renderTargets();
  }

  function renderTargets() {
    const chosen = ui.target.value;
    const options = [["", "everyone"]];
    for (const room of [...state.rooms].sort()) options.push(["#" + room, "#" + room]);
    for (const person of state.who) {
      if (person.session_id !== state.sessionId) {
        options.push(["@" + person.name, "@" + person.name]);
      }
    }
    if (chosen && !options.some(([value]) => value === chosen)) options.push([chosen, chosen]);
    ui.target.replaceChildren(...options.map(([value, label]) => {
      const option = document.createElement("option");
      option.value = value;
      option.textContent = label;
      return option;
    }));
    ui.target.value = chosen;
  }

  // --- What the user does.

  ui.sendForm.addEventListener("submit", (event) => {
    event.preventDefault();
    ui.sendError.textContent = "";
    const text = ui.message.value.replace(/^\n+|\n+$/g, "");
    if (!text.trim()) return;
    if (sendMessage(text)) ui.message.value = "";
  });

  ui.message.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      ui.sendForm.requestSubmit();
    }
  });

  ui.nameForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const name = ui.name.value.trim();
    if (name) rename(name);
  });

  ui.joinForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const room = ui.room.value.trim().replace(/^#/, "");
    if (!room) return;
    if (state.phase !== "online") {
      info("Not connected: cannot join now.", "error");
      return;
    }
    join(room);
    ui.room.value = "";
    // Joined to talk there: the message box is next (the To menu follows the room).
    ui.message.focus();
  });

  ui.refreshWho.addEventListener("click", refreshWho);
  // Coming back to the page: the list as it is now.
  const refreshIfOnline = () => {
    if (state.phase === "online" && document.visibilityState === "visible") refreshWho();
  };
  document.addEventListener("visibilitychange", refreshIfOnline);
  globalThis.addEventListener("focus", refreshIfOnline);
  ui.reconnect.addEventListener("click", () => {
    state.retryDelay = 500;
    connect();
  });

  ui.loginForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const user = ui.loginUser.value.trim();
    if (!user || !ui.loginPassword.value) {
      ui.loginError.textContent = "Give your user name and password.";
      return;
    }
    state.auth = { user, password: ui.loginPassword.value };
    ui.loginPassword.value = "";
    ui.loginError.textContent = "";
    state.guest = false;
    proceed();
  });

  ui.loginGuest.addEventListener("click", () => {
    state.guest = true;
    state.auth = null;
    ui.loginError.textContent = "";
    proceed();
  });

  /** After the login form: answer the waiting session_init, or connect again. */
  function proceed() {
    if (state.ws && state.ws.readyState === WebSocket.OPEN && state.sessionId) {
      acknowledge(undefined);
    } else {
      state.retryDelay = 500;
      connect();
    }
  }

  ui.name.value = state.wantedName;
  connect();
  ui.message.focus();
})();
