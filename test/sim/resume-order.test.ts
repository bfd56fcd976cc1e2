/**
 * What a paused Node process does first when it resumes, measured on a real one and compared with
 * a simulated one (src/sim/process.ts, World.resume). The real child connects to a TCP server,
 * sets its timers, sends one request and tells the parent it has; the parent then stops it
 * (SIGSTOP), the server answers while it is stopped, and the parent continues it (SIGCONT) after
 * the pause. The child reports the order its callbacks ran in. The simulated world plays the same
 * story, and must report the same order.
 *
 * What Node 20 does: at SIGCONT epoll_wait returns EINTR, libuv finds its poll timeout spent and
 * runs the timers that came due during the pause before it polls the sockets again. So a timer
 * due during the pause fires before a reply that arrived earlier in it; a timer not yet due at
 * resume fires after the reply. The timings below leave hundreds of milliseconds between every
 * deadline, arrival and signal, so a loaded machine does not change the story.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { World, ms } from '../../src/sim/index.ts';

/** One story: timers (ms after the request is sent), the server's answer delay, the pause length. */
interface Story {
  readonly timersMs: readonly number[];
  readonly replyAfterMs: number;
  readonly pauseMs: number;
}

const CHILD = `
import net from 'node:net';
const [port, timers] = [Number(process.argv[2]), JSON.parse(process.argv[3])];
const order = [];
const socket = net.connect(port, '127.0.0.1', () => {
  socket.once('data', () => order.push('reply'));
  for (const t of timers) setTimeout(() => order.push('timer ' + t), t);
  socket.write('request');
  process.send('sent');
});
process.on('message', (m) => { if (m === 'report') process.send(order); });
`;

const dir = mkdtempSync(join(tmpdir(), 'locksim-resume-'));
const childFile = join(dir, 'child.mjs');
writeFileSync(childFile, CHILD);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const wait = (msToWait: number) => new Promise<void>((done) => setTimeout(done, msToWait));

/** The order a real, SIGSTOPped and SIGCONTinued Node process runs its callbacks in. */
async function realOrder(story: Story): Promise<string[]> {
  const server = createServer((connection) => connection.once('data', () => setTimeout(() => connection.write('reply'), story.replyAfterMs)));
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const child = fork(childFile, [String((server.address() as AddressInfo).port), JSON.stringify(story.timersMs)], { stdio: 'ignore' });
  try {
    await new Promise<void>((sent, fail) => {
      child.once('message', () => sent());
      child.once('exit', (code) => fail(new Error(`the child exited with code ${code}`)));
    });
    child.kill('SIGSTOP');
    await wait(story.pauseMs);
    child.kill('SIGCONT');
    await wait(Math.max(...story.timersMs, story.replyAfterMs) + 300);
    const order = new Promise<string[]>((got) => child.once('message', (m) => got(m as string[])));
    child.send('report');
    return await order;
  } finally {
    child.kill('SIGKILL');
    server.close();
  }
}

/** The order a simulated process paused the same way runs its callbacks in. */
async function simulatedOrder(story: Story): Promise<string[]> {
  const world = new World({ seed: 1, delay: { kind: 'fixed', ms: 0.1 } });
  const order: string[] = [];
  world.addProcess('server', (ctx) =>
    ctx.onMessage((from) => {
      ctx.clock.setTimer(story.replyAfterMs, () => ctx.send(from, 'reply'));
    }),
  );
  world.addProcess('client', (ctx) => {
    ctx.onMessage(() => order.push('reply'));
    for (const t of story.timersMs) ctx.clock.setTimer(t, () => order.push(`timer ${t}`));
    ctx.send('server', 'request');
  });
  // The parent stops the child as soon as it says it has sent: right after.
  world.at(ms(0.01), () => world.pause('client'));
  world.at(ms(0.01 + story.pauseMs), () => world.resume('client'));
  await world.run({ until: ms(story.pauseMs + Math.max(...story.timersMs, story.replyAfterMs) + 1_000) });
  return order;
}

const stories: ReadonlyArray<readonly [string, Story, string[]]> = [
  ['a timer due during the pause fires before a reply that arrived before its deadline', { timersMs: [600], replyAfterMs: 200, pauseMs: 1_200 }, ['timer 600', 'reply']],
  ['timers due during the pause fire in deadline order, all before the reply', { timersMs: [900, 600], replyAfterMs: 200, pauseMs: 1_200 }, ['timer 600', 'timer 900', 'reply']],
  ['a timer not yet due at resume fires after the reply', { timersMs: [2_500], replyAfterMs: 200, pauseMs: 1_200 }, ['reply', 'timer 2500']],
];

describe('a paused Node process, resumed: real and simulated alike', () => {
  it.each(stories)('%s', async (_title, story, expected) => {
    const [real, simulated] = [await realOrder(story), await simulatedOrder(story)];
    expect(real, 'the real Node process').toEqual(expected);
    expect(simulated, 'the simulated process').toEqual(real);
  }, 30_000);
});
