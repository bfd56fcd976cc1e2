/**
 * A simulated node's publish/subscribe, as Redis 7.0 keeps it (RESP2): channels and patterns
 * per connection, messages pushed to the subscribed connections, and a connection in
 * subscriber mode refusing other commands. The node (node.ts) hands it SUBSCRIBE, PSUBSCRIBE,
 * UNSUBSCRIBE, PUNSUBSCRIBE, PUBLISH, PUBSUB and, in subscriber mode, every command.
 *
 * Wire form between locksim's clients and nodes (one reply per request): a (P)(UN)SUBSCRIBE
 * of several channels is answered with one array holding Redis's confirmation per channel
 * (`['subscribe', channel, count]`, …), which the client shapes read as Redis clients read the
 * separate replies. A message is a push on the subscriber's connection: `['message', channel,
 * payload]` or `['pmessage', pattern, channel, payload]` (src/sim/rpc.ts `push`).
 *
 * Not modelled: a connection closed by its client is not known to the node until the node
 * restarts (its subscriptions stay and PUBLISH counts them; what is pushed to it is dropped);
 * PUBLISH inside a Lua script (the engine does not run it); sharded channels (SSUBSCRIBE).
 */
import { globMatch } from './glob.ts';
import { array, bulk, error, integer, type Reply } from './reply.ts';

/** Commands the node hands to {@link PubSub} whatever the connection's mode. */
export const PUBSUB_COMMANDS: ReadonlySet<string> = new Set(['subscribe', 'psubscribe', 'unsubscribe', 'punsubscribe', 'publish', 'pubsub']);

/** What a connection in subscriber mode may still run (Redis 7.0, RESP2). */
const ALLOWED_IN_SUBSCRIBER_MODE = new Set(['subscribe', 'psubscribe', 'unsubscribe', 'punsubscribe', 'ssubscribe', 'sunsubscribe', 'ping', 'quit', 'reset']);

interface Subscriber {
  readonly channels: Set<string>;
  readonly patterns: Set<string>;
}

const wrongArity = (name: string): Reply => error(`ERR wrong number of arguments for '${name}' command`);

export class PubSub {
  private readonly connections = new Map<number, Subscriber>();
  /** Channel → connections subscribed to it, in subscription order. */
  private readonly channels = new Map<string, Set<number>>();
  /** Pattern → connections subscribed to it. */
  private readonly patterns = new Map<string, Set<number>>();

  /** Connections in subscriber mode now. */
  private inMode = 0;

  /** `push(connection, message)` sends a message to a subscriber's connection. */
  constructor(private readonly push: (connection: number, message: Reply) => void) {}

  /**
   * Whether a command of `connection` named `name` must go through {@link execute}: cheap
   * enough for the node's per-command path (no lower-casing of SET, GET, EVALSHA, …).
   */
  handles(connection: number, name: string): boolean {
    if (this.inMode > 0 && this.inSubscriberMode(connection)) return true;
    const c = name.charCodeAt(0) | 32;
    return name.length >= 6 && (c === 115 || c === 117 || c === 112) && PUBSUB_COMMANDS.has(name.toLowerCase());
  }

  /** Whether `connection` is in subscriber mode (subscribed to a channel or pattern). */
  inSubscriberMode(connection: number): boolean {
    const s = this.connections.get(connection);
    return s !== undefined && s.channels.size + s.patterns.size > 0;
  }

  /**
   * The reply to a command of `connection`: a pub/sub command, or (null) not one for pub/sub
   * (the engine runs it), or Redis's refusal of a command in subscriber mode.
   */
  execute(connection: number, args: readonly string[]): Reply | null {
    const name = (args[0] ?? '').toLowerCase();
    if (!PUBSUB_COMMANDS.has(name)) {
      if (!this.inSubscriberMode(connection) || ALLOWED_IN_SUBSCRIBER_MODE.has(name)) {
        // PING in subscriber mode answers as a message: ['pong', ''] (or the argument).
        if (name === 'ping' && this.inSubscriberMode(connection)) return args.length > 2 ? wrongArity('ping') : array([bulk('pong'), bulk(args[1] ?? '')]);
        return null;
      }
      return error(`ERR Can't execute '${name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`);
    }
    switch (name) {
      case 'subscribe':
      case 'psubscribe': {
        if (args.length < 2) return wrongArity(name);
        const pattern = name === 'psubscribe';
        const s = this.subscriber(connection);
        const before = s.channels.size + s.patterns.size;
        const confirmations: Reply[] = [];
        for (const target of args.slice(1)) {
          const mine = pattern ? s.patterns : s.channels;
          if (!mine.has(target)) {
            mine.add(target);
            const index = pattern ? this.patterns : this.channels;
            let set = index.get(target);
            if (set === undefined) index.set(target, (set = new Set()));
            set.add(connection);
          }
          confirmations.push(array([bulk(name), bulk(target), integer(s.channels.size + s.patterns.size)]));
        }
        if (before === 0) this.inMode++;
        return array(confirmations);
      }
      case 'unsubscribe':
      case 'punsubscribe': {
        const pattern = name === 'punsubscribe';
        const s = this.subscriber(connection);
        const mine = pattern ? s.patterns : s.channels;
        const targets = args.length > 1 ? args.slice(1) : [...mine];
        if (targets.length === 0) return array([array([bulk(name), bulk(null), integer(s.channels.size + s.patterns.size)])]);
        const before = s.channels.size + s.patterns.size;
        const confirmations: Reply[] = [];
        for (const target of targets) {
          if (mine.delete(target)) {
            const index = pattern ? this.patterns : this.channels;
            const set = index.get(target);
            set?.delete(connection);
            if (set?.size === 0) index.delete(target);
          }
          confirmations.push(array([bulk(name), bulk(target), integer(s.channels.size + s.patterns.size)]));
        }
        if (before > 0 && s.channels.size + s.patterns.size === 0) this.inMode--;
        return array(confirmations);
      }
      case 'publish':
        if (args.length !== 3) return wrongArity('publish');
        return integer(this.publish(args[1]!, args[2]!));
      case 'pubsub':
        return this.introspect(args);
    }
    return null;
  }

  /** Sends `message` to `channel`'s subscribers and to the patterns that match it; how many got it. */
  publish(channel: string, message: string): number {
    let receivers = 0;
    for (const connection of this.channels.get(channel) ?? []) {
      this.push(connection, array([bulk('message'), bulk(channel), bulk(message)]));
      receivers++;
    }
    for (const [pattern, connections] of this.patterns) {
      if (!globMatch(pattern, channel)) continue;
      for (const connection of connections) {
        this.push(connection, array([bulk('pmessage'), bulk(pattern), bulk(channel), bulk(message)]));
        receivers++;
      }
    }
    return receivers;
  }

  /** PUBSUB CHANNELS [pattern] | NUMSUB [channel …] | NUMPAT. */
  private introspect(args: readonly string[]): Reply {
    const sub = (args[1] ?? '').toLowerCase();
    if (sub === 'channels' && args.length <= 3) {
      const names = [...this.channels.keys()].filter((c) => args.length < 3 || globMatch(args[2]!, c));
      return array(names.map((c) => bulk(c)));
    }
    if (sub === 'numsub') return array(args.slice(2).flatMap((c) => [bulk(c), integer(this.channels.get(c)?.size ?? 0)]));
    if (sub === 'numpat' && args.length === 2) return integer(this.patterns.size);
    if (args.length < 2) return wrongArity('pubsub');
    return error(`ERR unknown subcommand or wrong number of arguments for '${args[1]}'. Try PUBSUB HELP.`);
  }

  private subscriber(connection: number): Subscriber {
    let s = this.connections.get(connection);
    if (s === undefined) this.connections.set(connection, (s = { channels: new Set(), patterns: new Set() }));
    return s;
  }
}

