/**
 * The parts of a server that its sessions share, wired together: the
 * registry, the roster of connections, the relay, names and rooms over one
 * backplane, the token check, the logins and the sessions of accounts.
 * What each session sees of them is its
 * {@linkcode SessionHost}; what the backplane sees, its
 * {@linkcode BackplaneHost}.
 *
 * @module
 */

import { AccountSessions } from "./account_sessions.ts";
import type { AwaySession } from "./away_session.ts";
import type { Backplane, BackplaneHost } from "./backplane.ts";
import type { HistoryKeeper } from "./history_keeper.ts";
import { Logins } from "./logins.ts";
import { ServerMetrics } from "./metrics.ts";
import type { ServerOptions } from "./options.ts";
import { OutputBudget } from "../transport/output_budget.ts";
import { HandshakeSlots } from "./handshake_slots.ts";
import { Names } from "./names.ts";
import { Notices } from "./notices.ts";
import { cutBiggestHolders } from "./queue_total.ts";
import { Registry } from "./registry.ts";
import { Relay } from "./relay.ts";
import { Rooms } from "./rooms.ts";
import { Roster } from "./roster.ts";
import type { Session, SessionHost } from "./session.ts";
import type { ServerSettings } from "./settings.ts";
import { tokenCheck } from "./token.ts";
import { Turns } from "./turns.ts";

/** A server's shared parts. */
export interface ServerCore extends SessionHost {
  /** The sessions that completed their handshake (away ones too), their names and rooms. */
  readonly registry: Registry<Session | AwaySession>;
  /** Every open connection. */
  readonly roster: Roster<Session>;
  /** The other nodes of the cluster (none for a server alone). */
  readonly backplane: Backplane;
  /** What the backplane calls back. */
  readonly backplaneHost: BackplaneHost;
  /** The sessions of accounts: one per account, ended when the account changes. */
  readonly accounts: AccountSessions<Session>;
  /** The logins of the handshakes, where the server knows identities. */
  readonly logins: Logins;
  /** The connections in their handshake. */
  readonly slots: HandshakeSlots;
}

/** Wires the parts of a server with `settings` over `backplane`, with history in `keeper`. */
export function serverCore(
  options: ServerOptions,
  settings: ServerSettings,
  backplane: Backplane,
  keeper?: HistoryKeeper,
): ServerCore {
  const metrics = new ServerMetrics();
  const registry = new Registry<Session | AwaySession>();
  const relay = new Relay(registry, backplane, metrics);
  const directory = backplane.directory(registry);
  const notices = new Notices(relay, directory);
  const roster = new Roster<Session>(
    registry,
    backplane,
    options,
    notices,
    settings.maxClients,
    metrics,
    keeper,
  );
  const names = new Names(registry, backplane, notices);
  const budget: OutputBudget = new OutputBudget(
    settings.maxQueueTotal,
    () => cutBiggestHolders(roster.values(), budget),
  );
  const logins = new Logins(options, settings.clock);
  const accounts = new AccountSessions<Session>({
    registry,
    connections: roster,
    names,
    backplane,
    logins,
  });
  return {
    settings,
    metrics,
    registry,
    roster,
    backplane,
    relay,
    names,
    rooms: new Rooms(registry, backplane, directory, notices, settings.maxRooms),
    directory,
    checkToken: tokenCheck(options.token),
    logins,
    accounts,
    keeper,
    turns: new Turns(),
    budget,
    slots: new HandshakeSlots(settings.maxHandshakes),
    backplaneHost: {
      members: registry,
      inbound: relay,
      loseName(member) {
        // The backplane names a member; the session is found by its id.
        const session = registry.get(member.id);
        if (session !== undefined && !accounts.lostName(session)) names.loseName(session);
      },
      displace: (id) => accounts.displace(id),
      handOver: (id) => roster.handOver(id),
      orphaned: (record) => roster.orphaned(record),
    },
  };
}
