/**
 * The simulated Blob service against the documentation's two tables (Lease Blob, "Outcomes of
 * lease operations on blobs by lease state" and "Outcomes of use attempts on blobs by lease
 * state"), cell by cell: from each of the five states, each action must end in the state the table
 * gives, or fail with its status. Error codes are those Microsoft's own lease tests against the
 * cloud expect (azure-sdk-for-net, microsoft-azure-api/.../Blob/LeaseTests.cs) where they test the
 * cell; elsewhere the code is marked as Azurite's. Then the places where the Azurite dialect
 * differs, one test each, and the timing rules (break periods, renewal, expiry) in the service's
 * own clock.
 */
import { describe, expect, it } from 'vitest';
import { BlobService, type BlobResult } from '../../src/services/blob/blob-service.ts';
import { AZURE, AZURITE_3_35, type BlobDialect } from '../../src/services/blob/dialect.ts';
import type { BlobErrorCode } from '../../src/services/blob/errors.ts';
import type { LeaseState } from '../../src/services/blob/lease.ts';

const A = '6f1a3a52-57a4-4c38-9d0b-0a5c1d7e0001';
const B = '6f1a3a52-57a4-4c38-9d0b-0a5c1d7e0002';
const C = '6f1a3a52-57a4-4c38-9d0b-0a5c1d7e0003';
/** The ID the service generates for an acquire without a proposed one. */
const X = 'aaaaaaaa-0000-4000-8000-000000000001';
const BLOB = 'container/blob';
const STATES = ['available', 'leased', 'breaking', 'broken', 'expired'] as const;
type Start = (typeof STATES)[number];

/** A service whose blob is in `state` (with lease A where it has one) at the returned instant. */
function inState(state: Start, dialect: BlobDialect = AZURE): { service: BlobService; now: number } {
  const service = new BlobService({ dialect, newLeaseId: () => X });
  const put = service.putBlob(0, BLOB, 'content');
  expect(put.ok).toBe(true);
  switch (state) {
    case 'available':
      return { service, now: 1_000 };
    case 'leased':
      expect(service.acquireLease(1_000, BLOB, { duration: 30, proposedLeaseId: A }).ok).toBe(true);
      return { service, now: 2_000 };
    case 'breaking':
      expect(service.acquireLease(1_000, BLOB, { duration: -1, proposedLeaseId: A }).ok).toBe(true);
      expect(service.breakLease(1_500, BLOB, { breakPeriod: 60 }).ok).toBe(true);
      return { service, now: 2_000 };
    case 'broken':
      expect(service.acquireLease(1_000, BLOB, { duration: -1, proposedLeaseId: A }).ok).toBe(true);
      expect(service.breakLease(1_500, BLOB, { breakPeriod: 0 }).ok).toBe(true);
      return { service, now: 2_000 };
    case 'expired':
      expect(service.acquireLease(1_000, BLOB, { duration: 15, proposedLeaseId: A }).ok).toBe(true);
      return { service, now: 17_000 };
  }
}

/** What a cell says: the lease afterwards (with its ID), or a failure's status and code. */
type Cell = { state: LeaseState; id?: string } | { fails: number; code: BlobErrorCode };

function lease(service: BlobService, now: number): { state: LeaseState } {
  const props = service.getProperties(now, BLOB);
  if (!props.ok) throw new Error(`Get Blob Properties failed: ${props.code}`);
  return { state: props.properties.leaseState };
}

function outcome(service: BlobService, now: number, result: BlobResult<object>, idAfter: () => string | undefined): Cell {
  if (!result.ok) return { fails: result.status, code: result.code };
  const state = lease(service, now).state;
  const id = idAfter();
  return id === undefined ? { state } : { state, id };
}

/** The ID of an active lease, seen through a read that names it (only a read naming the active lease passes). */
function heldId(service: BlobService, now: number): string | undefined {
  return [A, B, C, X].find((id) => service.getProperties(now, BLOB, { leaseId: id }).ok);
}
const F409 = (code: BlobErrorCode): Cell => ({ fails: 409, code });
const F412 = (code: BlobErrorCode): Cell => ({ fails: 412, code });

/** The lease operations table, one row per action; columns in STATES order. */
const LEASE_TABLE: ReadonlyArray<[string, (s: BlobService, now: number) => BlobResult<object>, readonly Cell[]]> = [
  ['Acquire, no proposed lease ID', (s, now) => s.acquireLease(now, BLOB, { duration: 20 }), [{ state: 'leased', id: X }, F409('LeaseAlreadyPresent'), F409('LeaseAlreadyPresent'), { state: 'leased', id: X }, { state: 'leased', id: X }]],
  ['Acquire (A)', (s, now) => s.acquireLease(now, BLOB, { duration: 20, proposedLeaseId: A }), [{ state: 'leased', id: A }, { state: 'leased', id: A }, F409('LeaseIsBreakingAndCannotBeAcquired'), { state: 'leased', id: A }, { state: 'leased', id: A }]],
  ['Acquire (B)', (s, now) => s.acquireLease(now, BLOB, { duration: 20, proposedLeaseId: B }), [{ state: 'leased', id: B }, F409('LeaseAlreadyPresent'), F409('LeaseAlreadyPresent'), { state: 'leased', id: B }, { state: 'leased', id: B }]],
  ['Break, period=0', (s, now) => s.breakLease(now, BLOB, { breakPeriod: 0 }), [F409('LeaseNotPresentWithLeaseOperation'), { state: 'broken' }, { state: 'broken' }, { state: 'broken' }, { state: 'broken' }]],
  ['Break, period>0', (s, now) => s.breakLease(now, BLOB, { breakPeriod: 5 }), [F409('LeaseNotPresentWithLeaseOperation'), { state: 'breaking', id: A }, { state: 'breaking', id: A }, { state: 'broken' }, { state: 'broken' }]],
  ['Change, (A) to (B)', (s, now) => s.changeLease(now, BLOB, { leaseId: A, proposedLeaseId: B }), [F409('LeaseNotPresentWithLeaseOperation'), { state: 'leased', id: B }, F409('LeaseIsBreakingAndCannotBeChanged'), F409('LeaseNotPresentWithLeaseOperation'), F409('LeaseNotPresentWithLeaseOperation')]],
  ['Change, (B) to (A)', (s, now) => s.changeLease(now, BLOB, { leaseId: B, proposedLeaseId: A }), [F409('LeaseNotPresentWithLeaseOperation'), { state: 'leased', id: A }, F409('LeaseIdMismatchWithLeaseOperation'), F409('LeaseNotPresentWithLeaseOperation'), F409('LeaseNotPresentWithLeaseOperation')]],
  ['Change, (B) to (C)', (s, now) => s.changeLease(now, BLOB, { leaseId: B, proposedLeaseId: C }), [F409('LeaseNotPresentWithLeaseOperation'), F409('LeaseIdMismatchWithLeaseOperation'), F409('LeaseIdMismatchWithLeaseOperation'), F409('LeaseNotPresentWithLeaseOperation'), F409('LeaseNotPresentWithLeaseOperation')]],
  ['Renew (A)', (s, now) => s.renewLease(now, BLOB, { leaseId: A }), [F409('LeaseIdMismatchWithLeaseOperation'), { state: 'leased', id: A }, F409('LeaseIsBrokenAndCannotBeRenewed'), F409('LeaseIsBrokenAndCannotBeRenewed'), { state: 'leased', id: A }]],
  ['Renew (B)', (s, now) => s.renewLease(now, BLOB, { leaseId: B }), [F409('LeaseIdMismatchWithLeaseOperation'), F409('LeaseIdMismatchWithLeaseOperation'), F409('LeaseIdMismatchWithLeaseOperation'), F409('LeaseIdMismatchWithLeaseOperation'), F409('LeaseIdMismatchWithLeaseOperation')]],
  ['Release (A)', (s, now) => s.releaseLease(now, BLOB, { leaseId: A }), [F409('LeaseIdMismatchWithLeaseOperation'), { state: 'available' }, { state: 'available' }, { state: 'available' }, { state: 'available' }]],
  ['Release (B)', (s, now) => s.releaseLease(now, BLOB, { leaseId: B }), [F409('LeaseIdMismatchWithLeaseOperation'), F409('LeaseIdMismatchWithLeaseOperation'), F409('LeaseIdMismatchWithLeaseOperation'), F409('LeaseIdMismatchWithLeaseOperation'), F409('LeaseIdMismatchWithLeaseOperation')]],
];

/** The use-attempts table. The documentation writes 409 for "(B)" on a leased blob; its error table, Microsoft's tests and Azurite say 412. */
const USE_TABLE: ReadonlyArray<[string, (s: BlobService, now: number) => BlobResult<object>, readonly Cell[]]> = [
  ['Write using (A)', (s, now) => s.putBlob(now, BLOB, 'new', { leaseId: A }), [F412('LeaseNotPresentWithBlobOperation'), { state: 'leased', id: A }, { state: 'breaking', id: A }, F412('LeaseNotPresentWithBlobOperation'), F412('LeaseNotPresentWithBlobOperation')]],
  ['Write using (B)', (s, now) => s.putBlob(now, BLOB, 'new', { leaseId: B }), [F412('LeaseNotPresentWithBlobOperation'), F412('LeaseIdMismatchWithBlobOperation'), F412('LeaseIdMismatchWithBlobOperation'), F412('LeaseNotPresentWithBlobOperation'), F412('LeaseNotPresentWithBlobOperation')]],
  ['Write, no lease specified', (s, now) => s.putBlob(now, BLOB, 'new'), [{ state: 'available' }, F412('LeaseIdMissing'), F412('LeaseIdMissing'), { state: 'available' }, { state: 'available' }]],
  ['Read using (A)', (s, now) => s.getBlob(now, BLOB, { leaseId: A }), [F412('LeaseNotPresentWithBlobOperation'), { state: 'leased', id: A }, { state: 'breaking', id: A }, F412('LeaseNotPresentWithBlobOperation'), F412('LeaseNotPresentWithBlobOperation')]],
  ['Read using (B)', (s, now) => s.getBlob(now, BLOB, { leaseId: B }), [F412('LeaseNotPresentWithBlobOperation'), F412('LeaseIdMismatchWithBlobOperation'), F412('LeaseIdMismatchWithBlobOperation'), F412('LeaseNotPresentWithBlobOperation'), F412('LeaseNotPresentWithBlobOperation')]],
  ['Read, no lease specified', (s, now) => s.getBlob(now, BLOB), [{ state: 'available' }, { state: 'leased', id: A }, { state: 'breaking', id: A }, { state: 'broken' }, { state: 'expired' }]],
];

function expectCell(row: string, column: Start, got: Cell, want: Cell): void {
  // A cell that names no ID checks the state only (broken and available leases refuse reads naming them).
  const comparable = 'state' in got && 'state' in want && want.id === undefined ? { state: got.state } : got;
  expect(comparable, `${row} from ${column}`).toEqual('state' in want && want.id === undefined ? { state: want.state } : want);
}

describe('the simulated Blob service follows the Lease Blob outcome tables', () => {
  for (const [row, act, cells] of [...LEASE_TABLE, ...USE_TABLE]) {
    it(row, () => {
      STATES.forEach((column, i) => {
        const { service, now } = inState(column);
        const result = act(service, now);
        expectCell(row, column, outcome(service, now, result, () => heldId(service, now)), cells[i] as Cell);
      });
    });
  }

  it('Renew (A) of an expired lease fails once the blob has been modified ("Fails (409) if blob has been modified")', () => {
    const { service, now } = inState('expired');
    expect(service.putBlob(now, BLOB, 'someone else wrote').ok).toBe(true);
    expect(service.renewLease(now + 100, BLOB, { leaseId: A })).toMatchObject({ ok: false, status: 409, code: 'LeaseIdMismatchWithLeaseOperation' });
    // A read does not modify it: Microsoft's test renews an expired lease after a download.
    const other = inState('expired');
    expect(other.service.getBlob(other.now, BLOB).ok).toBe(true);
    expect(other.service.renewLease(other.now + 100, BLOB, { leaseId: A }).ok).toBe(true);
  });

  it('"Duration expires": leased becomes expired, breaking becomes broken, the others stay', () => {
    const want: Record<Start, LeaseState> = { available: 'available', leased: 'expired', breaking: 'broken', broken: 'broken', expired: 'expired' };
    for (const state of STATES) {
      const { service, now } = inState(state);
      expect(lease(service, now + 61_000).state, state).toBe(want[state]);
    }
  });
});

describe('timing in the service clock', () => {
  it('a fixed lease is leased until its end and expired from that instant; renew restarts its duration', () => {
    const s = new BlobService();
    s.putBlob(0, BLOB, 'x');
    s.acquireLease(1_000, BLOB, { duration: 15, proposedLeaseId: A });
    expect(lease(s, 15_999).state).toBe('leased');
    expect(s.renewLease(15_999, BLOB, { leaseId: A }).ok).toBe(true);
    expect(lease(s, 30_998).state).toBe('leased');
    expect(lease(s, 30_999).state).toBe('expired');
    expect(s.getProperties(30_999, BLOB)).toMatchObject({ ok: true, properties: { leaseStatus: 'unlocked' } });
    expect(s.getProperties(30_999, BLOB)).not.toHaveProperty('properties.leaseDuration');
  });

  it('break uses the shorter of its period and the rest of the lease; leaseTime says how long', () => {
    const s = new BlobService();
    s.putBlob(0, BLOB, 'x');
    s.acquireLease(0, BLOB, { duration: 20, proposedLeaseId: A });
    expect(s.breakLease(10_000, BLOB, { breakPeriod: 60 })).toMatchObject({ ok: true, status: 202, leaseTime: 10 });
    expect(s.leaseDeadlines(10_000)).toEqual([20_000]);
    // A shorter period shortens a breaking lease; a longer one does not lengthen it.
    expect(s.breakLease(11_000, BLOB, { breakPeriod: 2 })).toMatchObject({ ok: true, leaseTime: 2 });
    expect(s.breakLease(11_500, BLOB, { breakPeriod: 30 })).toMatchObject({ ok: true, leaseTime: 2 });
    expect(lease(s, 12_999).state).toBe('breaking');
    expect(lease(s, 13_000).state).toBe('broken');
    expect(s.breakLease(14_000, BLOB)).toMatchObject({ ok: true, leaseTime: 0 });
  });

  it('without a break period a fixed lease breaks at its end, an infinite one at once', () => {
    const s = new BlobService();
    s.putBlob(0, BLOB, 'x');
    s.acquireLease(0, BLOB, { duration: 30, proposedLeaseId: A });
    expect(s.breakLease(5_000, BLOB)).toMatchObject({ ok: true, leaseTime: 25 });
    expect(lease(s, 29_999).state).toBe('breaking');
    s.releaseLease(29_999, BLOB, { leaseId: A });
    s.acquireLease(30_000, BLOB, { duration: -1, proposedLeaseId: B });
    expect(s.breakLease(40_000, BLOB)).toMatchObject({ ok: true, leaseTime: 0 });
    expect(lease(s, 40_000).state).toBe('broken');
  });

  it('an infinite lease never expires; renewing it changes nothing; acquiring again with its ID gives it a new duration', () => {
    const s = new BlobService();
    s.putBlob(0, BLOB, 'x');
    s.acquireLease(0, BLOB, { duration: -1, proposedLeaseId: A });
    expect(s.getProperties(10_000_000, BLOB)).toMatchObject({ ok: true, properties: { leaseState: 'leased', leaseDuration: 'infinite' } });
    expect(s.renewLease(10_000_000, BLOB, { leaseId: A }).ok).toBe(true);
    expect(s.acquireLease(10_000_000, BLOB, { duration: 15, proposedLeaseId: A }).ok).toBe(true);
    expect(s.getProperties(10_000_000, BLOB)).toMatchObject({ ok: true, properties: { leaseDuration: 'fixed' } });
    expect(lease(s, 10_015_000).state).toBe('expired');
  });

  it('writes change the ETag and lease actions do not', () => {
    const s = new BlobService();
    const first = s.putBlob(0, BLOB, 'x');
    const etag = first.ok ? first.etag : '';
    expect(s.acquireLease(1, BLOB, { duration: 15, proposedLeaseId: A })).toMatchObject({ ok: true, status: 201, leaseId: A, etag });
    s.renewLease(2, BLOB, { leaseId: A });
    s.changeLease(3, BLOB, { leaseId: A, proposedLeaseId: B });
    s.breakLease(4, BLOB, { breakPeriod: 1 });
    expect(s.getProperties(5, BLOB)).toMatchObject({ ok: true, properties: { etag } });
    const second = s.putBlob(6, BLOB, 'y', { leaseId: B });
    expect(second.ok && second.etag !== etag).toBe(true);
    // If-Match with the old ETag is refused; with the current one it writes.
    expect(s.putBlob(7, BLOB, 'z', { leaseId: B, ifMatch: etag })).toMatchObject({ ok: false, status: 412, code: 'ConditionNotMet' });
    expect(s.putBlob(7, BLOB, 'z', { leaseId: B, ifMatch: second.ok ? second.etag : '' }).ok).toBe(true);
  });

  it('a step back of the service clock does not undo an expiry a request has seen', () => {
    const s = new BlobService();
    s.putBlob(0, BLOB, 'x');
    s.acquireLease(0, BLOB, { duration: 15, proposedLeaseId: A });
    expect(lease(s, 15_000).state).toBe('expired');
    expect(lease(s, 5_000).state).toBe('expired');
  });
});

describe('where Azurite 3.35 differs (the azurite dialect)', () => {
  it('renews an expired lease whatever lease ID the request names', () => {
    for (const [dialect, want] of [
      [AZURE, { ok: false, code: 'LeaseIdMismatchWithLeaseOperation' }],
      [AZURITE_3_35, { ok: true, leaseId: A }],
    ] as const) {
      const { service, now } = inState('expired', dialect);
      expect(service.renewLease(now, BLOB, { leaseId: B }), dialect.name).toMatchObject(want);
    }
  });

  it('creates a blob for a Put Blob that names a lease', () => {
    expect(new BlobService({ dialect: AZURE }).putBlob(0, BLOB, 'x', { leaseId: A })).toMatchObject({ ok: false, status: 412, code: 'LeaseNotPresentWithBlobOperation' });
    expect(new BlobService({ dialect: AZURITE_3_35 }).putBlob(0, BLOB, 'x', { leaseId: A })).toMatchObject({ ok: true, status: 201 });
  });

  it('answers a create-only Put Blob on a leased blob BlobAlreadyExists before checking the lease', () => {
    expect(inState('leased', AZURE).service.putBlob(3_000, BLOB, 'x', { ifNoneMatch: '*' })).toMatchObject({ ok: false, code: 'LeaseIdMissing' });
    expect(inState('leased', AZURITE_3_35).service.putBlob(3_000, BLOB, 'x', { ifNoneMatch: '*' })).toMatchObject({ ok: false, code: 'BlobAlreadyExists' });
  });

  it('leaves header checks to the lease state: a break period of 61 s on an infinite lease, a duration of 10 s from another holder, a lease ID that is no GUID', () => {
    const cases: Array<[(s: BlobService, now: number) => BlobResult<object>, object]> = [
      [(s, now) => s.breakLease(now, BLOB, { breakPeriod: 61 }), { ok: true, leaseTime: 61 }],
      [(s, now) => s.acquireLease(now, BLOB, { duration: 10, proposedLeaseId: B }), { ok: false, code: 'LeaseAlreadyPresent' }],
      [(s, now) => s.changeLease(now, BLOB, { leaseId: A, proposedLeaseId: 'not-a-guid' }), { ok: true, leaseId: 'not-a-guid' }],
    ];
    for (const [act, azurite] of cases) {
      const azure = inState('breaking', AZURE);
      azure.service.releaseLease(azure.now, BLOB, { leaseId: A });
      azure.service.acquireLease(azure.now, BLOB, { duration: -1, proposedLeaseId: A });
      expect(act(azure.service, azure.now)).toMatchObject({ ok: false, status: 400, code: 'InvalidHeaderValue' });
      const emu = inState('breaking', AZURITE_3_35);
      emu.service.releaseLease(emu.now, BLOB, { leaseId: A });
      emu.service.acquireLease(emu.now, BLOB, { duration: -1, proposedLeaseId: A });
      expect(act(emu.service, emu.now)).toMatchObject(azurite);
    }
  });

  it('compares lease IDs as strings, where Azure compares GUIDs', () => {
    const upper = A.toUpperCase();
    expect(inState('leased', AZURE).service.renewLease(2_000, BLOB, { leaseId: upper }).ok).toBe(true);
    expect(inState('leased', AZURITE_3_35).service.renewLease(2_000, BLOB, { leaseId: upper })).toMatchObject({ ok: false, code: 'LeaseIdMismatchWithLeaseOperation' });
  });
});

describe('bad input', () => {
  it('a clock reading that is not a number, or an empty blob name, is an error that says so', () => {
    const s = new BlobService();
    expect(() => s.putBlob(Number.NaN, BLOB, 'x')).toThrow(/service clock reading must be a finite number/);
    expect(() => s.getProperties(0, '')).toThrow(/blob name must not be empty/);
  });
});
