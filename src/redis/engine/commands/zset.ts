/**
 * Sorted-set commands: ZADD (NX XX GT LT CH INCR), ZINCRBY, ZREM, ZCARD, ZSCORE, ZRANK,
 * ZREVRANK, ZRANGE (BYSCORE BYLEX REV LIMIT WITHSCORES), ZREVRANGE, ZRANGEBYSCORE,
 * ZREVRANGEBYSCORE, ZREMRANGEBYSCORE.
 */
import { asciiLower, command, CMD_WRITE, removeMembers, type CommandContext, type CommandSpec } from '../command-table.ts';
import { formatScore, parseInt64, parseRangeBound, parseScore } from '../numbers.ts';
import {
  array,
  bulk,
  EMPTY_ARRAY,
  error,
  integer,
  NIL,
  NOT_FLOAT,
  NOT_INTEGER,
  SYNTAX_ERROR,
  WRONGTYPE,
  ZERO,
  type Reply,
} from '../reply.ts';
import { ZSet, type ScoreRange } from '../zset.ts';

const NAN_ERROR = error('ERR resulting score is not a number (NaN)');
const RANGE_ERROR = error('ERR min or max is not a float');
const LEX_RANGE_ERROR = error('ERR min or max not valid string range item');

/** The sorted set at `key`: null when absent, undefined when of another type. */
function zsetForRead(ctx: CommandContext, key: string): ZSet | null | undefined {
  const value = ctx.ks.lookup(key);
  if (value === undefined) return null;
  if (!(value instanceof ZSet)) return undefined;
  return value;
}

const Z_NX = 1;
const Z_XX = 2;
const Z_GT = 4;
const Z_LT = 8;
const Z_INCR = 16;

/** `zaddGenericCommand`. */
function zaddGeneric(ctx: CommandContext, args: readonly string[], flagsIn: number): Reply {
  const ks = ctx.ks;
  const key = args[1];
  let flags = flagsIn;
  let ch = false;
  let scoreIdx = 2;
  while (scoreIdx < args.length) {
    const opt = asciiLower(args[scoreIdx]);
    if (opt === 'nx') flags |= Z_NX;
    else if (opt === 'xx') flags |= Z_XX;
    else if (opt === 'ch') ch = true;
    else if (opt === 'incr') flags |= Z_INCR;
    else if (opt === 'gt') flags |= Z_GT;
    else if (opt === 'lt') flags |= Z_LT;
    else break;
    scoreIdx++;
  }
  const incr = (flags & Z_INCR) !== 0;
  const nx = (flags & Z_NX) !== 0;
  const xx = (flags & Z_XX) !== 0;
  const gt = (flags & Z_GT) !== 0;
  const lt = (flags & Z_LT) !== 0;
  let elements = args.length - scoreIdx;
  if (elements % 2 !== 0 || elements === 0) return SYNTAX_ERROR;
  elements /= 2;
  if (nx && xx) return error('ERR XX and NX options at the same time are not compatible');
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    return error('ERR GT, LT, and/or NX options at the same time are not compatible');
  }
  if (incr && elements > 1) return error('ERR INCR option supports a single increment-element pair');

  const scores: number[] = new Array(elements);
  for (let j = 0; j < elements; j++) {
    const score = parseScore(args[scoreIdx + j * 2]);
    if (score === null) return NOT_FLOAT;
    scores[j] = score;
  }

  let zset: ZSet;
  const existing = ks.lookup(key);
  if (existing !== undefined) {
    if (!(existing instanceof ZSet)) return WRONGTYPE;
    zset = existing;
  } else {
    if (xx) return incr ? NIL : ZERO;
    zset = new ZSet();
    ks.add(key, zset);
  }

  let added = 0;
  let updated = 0;
  let processed = 0;
  let lastScore = 0;
  let failed = false;
  for (let j = 0; j < elements; j++) {
    let score = scores[j];
    const member = args[scoreIdx + 1 + j * 2];
    const current = zset.score(member);
    if (current !== undefined) {
      if (nx) continue;
      if (incr) {
        score += current;
        if (Number.isNaN(score)) {
          failed = true;
          break;
        }
      }
      if ((lt && score >= current) || (gt && score <= current)) continue;
      processed++;
      lastScore = score;
      if (score !== current) {
        zset.set(member, score);
        updated++;
      }
    } else if (!xx) {
      zset.set(member, score);
      added++;
      processed++;
      lastScore = score;
    }
  }
  if (added > 0 || updated > 0) {
    ks.touch(key);
    ks.propagateArgs(args);
  }
  if (failed) return NAN_ERROR;
  if (incr) return processed > 0 ? bulk(formatScore(lastScore)) : NIL;
  return integer(ch ? added + updated : added);
}

function zremCommand(ctx: CommandContext, args: readonly string[]): Reply {
  const key = args[1];
  const zset = zsetForRead(ctx, key);
  if (zset === undefined) return WRONGTYPE;
  if (zset === null) return ZERO;
  return integer(removeMembers(ctx, key, zset, args));
}

function zcardCommand(ctx: CommandContext, args: readonly string[]): Reply {
  const zset = zsetForRead(ctx, args[1]);
  if (zset === undefined) return WRONGTYPE;
  return integer(zset === null ? 0 : zset.size);
}

function zscoreCommand(ctx: CommandContext, args: readonly string[]): Reply {
  const zset = zsetForRead(ctx, args[1]);
  if (zset === undefined) return WRONGTYPE;
  if (zset === null) return NIL;
  const score = zset.score(args[2]);
  return score === undefined ? NIL : bulk(formatScore(score));
}

function zrankGeneric(ctx: CommandContext, args: readonly string[], reverse: boolean): Reply {
  const zset = zsetForRead(ctx, args[1]);
  if (zset === undefined) return WRONGTYPE;
  if (zset === null) return NIL;
  const rank = zset.rank(args[2]);
  if (rank === undefined) return NIL;
  return integer(reverse ? zset.size - 1 - rank : rank);
}

function parseScoreRange(minText: string, maxText: string): ScoreRange | null {
  const min = parseRangeBound(minText);
  const max = parseRangeBound(maxText);
  if (min === null || max === null) return null;
  return { min: min.value, max: max.value, minExclusive: min.exclusive, maxExclusive: max.exclusive };
}

/** A lex range end: '-' (before everything), '+' (after everything), '[x' or '(x'. */
interface LexBound {
  kind: -1 | 0 | 1;
  value: string;
  exclusive: boolean;
}

function parseLexBound(text: string): LexBound | null {
  if (text === '+') return { kind: 1, value: '', exclusive: false };
  if (text === '-') return { kind: -1, value: '', exclusive: false };
  const c = text.charCodeAt(0);
  if (c === 40 /* ( */) return { kind: 0, value: text.slice(1), exclusive: true };
  if (c === 91 /* [ */) return { kind: 0, value: text.slice(1), exclusive: false };
  return null;
}

/** sdscmplex: compare a member (or bound) with a bound, where '-' < everything < '+'. */
function compareLex(a: LexBound, b: LexBound): number {
  if (a.kind !== 0 || b.kind !== 0) return a.kind === b.kind ? 0 : a.kind < b.kind ? -1 : 1;
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}

function lexGteMin(member: string, min: LexBound): boolean {
  if (min.kind === -1) return true;
  if (min.kind === 1) return false;
  return min.exclusive ? member > min.value : member >= min.value;
}

function lexLteMax(member: string, max: LexBound): boolean {
  if (max.kind === 1) return true;
  if (max.kind === -1) return false;
  return max.exclusive ? member < max.value : member <= max.value;
}

/** The members at `ranks`, with their scores when asked. */
function emitRanks(zset: ZSet, ranks: number[], withScores: boolean): Reply {
  const out: Reply[] = [];
  for (const rank of ranks) {
    const member = zset.at(rank);
    out.push(bulk(member));
    if (withScores) out.push(bulk(formatScore(zset.score(member) as number)));
  }
  return array(out);
}

type RangeType = 'auto' | 'rank' | 'score' | 'lex';
type Direction = 'auto' | 'forward' | 'reverse';

/** `zrangeGenericCommand`: ZRANGE and its older spellings. */
function zrangeGeneric(ctx: CommandContext, args: readonly string[], rangeTypeIn: RangeType, directionIn: Direction): Reply {
  let rangeType = rangeTypeIn;
  let direction = directionIn;
  let withScores = false;
  let offset = 0;
  let limit = -1;
  for (let j = 4; j < args.length; j++) {
    const left = args.length - j - 1;
    const opt = asciiLower(args[j]);
    if (opt === 'withscores') withScores = true;
    else if (opt === 'limit' && left >= 2) {
      const o = parseInt64(args[j + 1]);
      if (o === null) return NOT_INTEGER;
      const l = parseInt64(args[j + 2]);
      if (l === null) return NOT_INTEGER;
      offset = o;
      limit = l;
      j += 2;
    } else if (direction === 'auto' && opt === 'rev') direction = 'reverse';
    else if (rangeType === 'auto' && opt === 'bylex') rangeType = 'lex';
    else if (rangeType === 'auto' && opt === 'byscore') rangeType = 'score';
    else return SYNTAX_ERROR;
  }
  if (direction === 'auto') direction = 'forward';
  if (rangeType === 'auto') rangeType = 'rank';
  if (limit !== -1 && rangeType === 'rank') {
    return error('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
  }
  if (withScores && rangeType === 'lex') return error('ERR syntax error, WITHSCORES not supported in combination with BYLEX');
  const reverse = direction === 'reverse';
  let minText = args[2];
  let maxText = args[3];
  if (reverse && rangeType !== 'rank') {
    const t = minText;
    minText = maxText;
    maxText = t;
  }

  let start = 0;
  let end = 0;
  let scoreRange: ScoreRange | null = null;
  let lexMin: LexBound | null = null;
  let lexMax: LexBound | null = null;
  if (rangeType === 'rank') {
    const s = parseInt64(minText);
    const e = parseInt64(maxText);
    if (s === null || e === null) return NOT_INTEGER;
    start = s;
    end = e;
  } else if (rangeType === 'score') {
    scoreRange = parseScoreRange(minText, maxText);
    if (scoreRange === null) return RANGE_ERROR;
  } else {
    lexMin = parseLexBound(minText);
    lexMax = parseLexBound(maxText);
    if (lexMin === null || lexMax === null) return LEX_RANGE_ERROR;
  }

  const zset = zsetForRead(ctx, args[1]);
  if (zset === undefined) return WRONGTYPE;
  if (zset === null) return EMPTY_ARRAY;
  const n = zset.size;
  const ranks: number[] = [];

  if (rangeType === 'rank') {
    if (start < 0) start = n + start;
    if (end < 0) end = n + end;
    if (start < 0) start = 0;
    if (start > end || start >= n) return EMPTY_ARRAY;
    if (end >= n) end = n - 1;
    for (let i = start; i <= end; i++) ranks.push(reverse ? n - 1 - i : i);
    return emitRanks(zset, ranks, withScores);
  }

  if (rangeType === 'score') {
    const [first, past] = zset.scoreInterval(scoreRange as ScoreRange);
    if (offset < 0) return EMPTY_ARRAY;
    let remaining = limit;
    if (reverse) {
      for (let i = past - 1 - offset; i >= first && remaining !== 0; i--, remaining--) ranks.push(i);
    } else {
      for (let i = first + offset; i < past && remaining !== 0; i++, remaining--) ranks.push(i);
    }
    return emitRanks(zset, ranks, withScores);
  }

  // BYLEX, walking the set as Redis walks its listpack.
  const min = lexMin as LexBound;
  const max = lexMax as LexBound;
  const cmp = compareLex(min, max);
  if (cmp > 0 || (cmp === 0 && (min.exclusive || max.exclusive))) return EMPTY_ARRAY;
  if (n === 0 || !lexGteMin(zset.at(n - 1), min) || !lexLteMax(zset.at(0), max)) return EMPTY_ARRAY;
  if (offset < 0) return EMPTY_ARRAY;
  let i: number;
  if (!reverse) {
    i = 0;
    while (i < n && !lexGteMin(zset.at(i), min)) i++;
    if (i >= n || !lexLteMax(zset.at(i), max)) return EMPTY_ARRAY;
    i += offset;
    let remaining = limit;
    for (; i < n && remaining !== 0; i++, remaining--) {
      if (!lexLteMax(zset.at(i), max)) break;
      ranks.push(i);
    }
  } else {
    i = n - 1;
    while (i >= 0 && !lexLteMax(zset.at(i), max)) i--;
    if (i < 0 || !lexGteMin(zset.at(i), min)) return EMPTY_ARRAY;
    i -= offset;
    let remaining = limit;
    for (; i >= 0 && remaining !== 0; i--, remaining--) {
      if (!lexGteMin(zset.at(i), min)) break;
      ranks.push(i);
    }
  }
  return emitRanks(zset, ranks, false);
}

function zremrangebyscoreCommand(ctx: CommandContext, args: readonly string[]): Reply {
  const ks = ctx.ks;
  const key = args[1];
  const range = parseScoreRange(args[2], args[3]);
  if (range === null) return RANGE_ERROR;
  const zset = zsetForRead(ctx, key);
  if (zset === undefined) return WRONGTYPE;
  if (zset === null) return ZERO;
  const [first, past] = zset.scoreInterval(range);
  const doomed: string[] = [];
  for (let i = first; i < past; i++) doomed.push(zset.at(i));
  for (const member of doomed) zset.delete(member);
  if (zset.size === 0) ks.delete(key);
  if (doomed.length > 0) {
    ks.touch(key);
    ks.propagateArgs(args);
  }
  return integer(doomed.length);
}

export const zsetCommands: CommandSpec[] = [
  command('zadd', -4, CMD_WRITE, (ctx, args) => zaddGeneric(ctx, args, 0)),
  command('zincrby', 4, CMD_WRITE, (ctx, args) => zaddGeneric(ctx, args, Z_INCR)),
  command('zrem', -3, CMD_WRITE, zremCommand),
  command('zcard', 2, 0, zcardCommand),
  command('zscore', 3, 0, zscoreCommand),
  command('zrank', 3, 0, (ctx, args) => zrankGeneric(ctx, args, false)),
  command('zrevrank', 3, 0, (ctx, args) => zrankGeneric(ctx, args, true)),
  command('zrange', -4, 0, (ctx, args) => zrangeGeneric(ctx, args, 'auto', 'auto')),
  command('zrevrange', -4, 0, (ctx, args) => zrangeGeneric(ctx, args, 'rank', 'reverse')),
  command('zrangebyscore', -4, 0, (ctx, args) => zrangeGeneric(ctx, args, 'score', 'forward')),
  command('zrevrangebyscore', -4, 0, (ctx, args) => zrangeGeneric(ctx, args, 'score', 'reverse')),
  command('zremrangebyscore', 4, CMD_WRITE, zremrangebyscoreCommand),
];
