/**
 * Scripting commands: EVAL, EVALSHA, SCRIPT LOAD | EXISTS | FLUSH. The Lua side is in lua.ts.
 */
import { asciiLower, command, CMD_NOSCRIPT, type CommandContext, type CommandSpec } from '../command-table.ts';
import { array, error, integer, OK, type Reply } from '../reply.ts';

function scriptExists(ctx: CommandContext, args: readonly string[]): Reply {
  const out: Reply[] = [];
  for (let j = 2; j < args.length; j++) out.push(integer(ctx.host.scriptExists(args[j]) ? 1 : 0));
  return array(out);
}

function scriptFlush(ctx: CommandContext, args: readonly string[]): Reply {
  if (args.length === 3) {
    const mode = asciiLower(args[2]);
    if (mode !== 'sync' && mode !== 'async') return error('ERR SCRIPT FLUSH only support SYNC|ASYNC option');
  } else if (args.length > 3) {
    return error('ERR SCRIPT FLUSH only support SYNC|ASYNC option');
  }
  ctx.host.flushScriptCache();
  return OK;
}

const scriptSubcommands = new Map<string, CommandSpec>([
  ['load', command('script|load', 3, CMD_NOSCRIPT, (ctx, args) => ctx.host.loadScript(args[2]))],
  ['exists', command('script|exists', -3, CMD_NOSCRIPT, scriptExists)],
  ['flush', command('script|flush', -2, CMD_NOSCRIPT, scriptFlush)],
]);

export const scriptingCommands: CommandSpec[] = [
  command('eval', -3, CMD_NOSCRIPT, (ctx, args) => ctx.host.evalScript(args, false)),
  command('evalsha', -3, CMD_NOSCRIPT, (ctx, args) => ctx.host.evalScript(args, true)),
  {
    name: 'script',
    arity: -2,
    flags: CMD_NOSCRIPT,
    handler: () => error('ERR unreachable: SCRIPT without a subcommand'),
    subcommands: scriptSubcommands,
    unsupportedSubcommands: new Set(['kill', 'debug', 'help']),
  },
];
