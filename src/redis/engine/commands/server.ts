/**
 * Connection and server commands: PING, ECHO, TIME.
 */
import { command, type CommandContext, type CommandSpec } from '../command-table.ts';
import { array, bulk, PONG, wrongArity, type Reply } from '../reply.ts';

function pingCommand(_ctx: CommandContext, args: readonly string[]): Reply {
  if (args.length > 2) return wrongArity('ping');
  return args.length === 2 ? bulk(args[1]) : PONG;
}

/** TIME from the node's clock: whole seconds and the microseconds within the second. */
function timeCommand(ctx: CommandContext): Reply {
  const micros = Math.floor(ctx.nowExact * 1000);
  const seconds = Math.floor(micros / 1_000_000);
  return array([bulk(String(seconds)), bulk(String(micros - seconds * 1_000_000))]);
}

export const serverCommands: CommandSpec[] = [
  command('ping', -1, 0, pingCommand),
  command('echo', 2, 0, (_ctx, args) => bulk(args[1])),
  command('time', 1, 0, timeCommand),
];
