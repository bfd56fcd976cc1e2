/**
 * Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH. EXEC itself runs in the engine (it
 * dispatches the queued commands); the queueing happens in the engine's dispatcher.
 */
import { command, CMD_NOSCRIPT, CMD_TXN_IMMEDIATE, type CommandContext, type CommandSpec } from '../command-table.ts';
import { error, Errors, OK, type Reply } from '../reply.ts';

const NESTED_MULTI = error(Errors.nestedMulti);
const DISCARD_WITHOUT_MULTI = error(Errors.discardWithoutMulti);
const WATCH_IN_MULTI = error(Errors.watchInMulti);

function multiCommand(ctx: CommandContext): Reply {
  const session = ctx.session;
  if (session.multi !== null) return NESTED_MULTI;
  session.multi = [];
  return OK;
}

function discardCommand(ctx: CommandContext): Reply {
  if (ctx.session.multi === null) return DISCARD_WITHOUT_MULTI;
  ctx.host.discard(ctx.session);
  return OK;
}

function watchCommand(ctx: CommandContext, args: readonly string[]): Reply {
  const session = ctx.session;
  if (session.multi !== null) return WATCH_IN_MULTI;
  for (let j = 1; j < args.length; j++) ctx.ks.watch(session, args[j]);
  return OK;
}

function unwatchCommand(ctx: CommandContext): Reply {
  ctx.ks.unwatchAll(ctx.session);
  ctx.session.dirtyCas = false;
  return OK;
}

export const transactionCommands: CommandSpec[] = [
  command('multi', 1, CMD_NOSCRIPT | CMD_TXN_IMMEDIATE, multiCommand),
  command('exec', 1, CMD_NOSCRIPT | CMD_TXN_IMMEDIATE, (ctx) => ctx.host.exec(ctx.session)),
  command('discard', 1, CMD_NOSCRIPT | CMD_TXN_IMMEDIATE, discardCommand),
  command('watch', -2, CMD_NOSCRIPT | CMD_TXN_IMMEDIATE, watchCommand),
  command('unwatch', 1, CMD_NOSCRIPT, unwatchCommand),
];
