/** The verdict matrix's rows (tag `matrix`): the faults that break locks, each faced by every column of columns.ts. */
import type { Scenario } from '../../src/scenario/types.ts';
import clockJump from './clock-jump.ts';
import control from './control.ts';
import delayedWrite from './delayed-write.ts';
import nodeCrash from './node-crash.ts';
import partition from './partition.ts';
import pause from './pause.ts';
import slowClock from './slow-clock.ts';

export const matrixRows: readonly Scenario[] = [control, pause, partition, nodeCrash, clockJump, slowClock, delayedWrite];
