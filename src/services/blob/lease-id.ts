/**
 * Lease IDs: "The value of x-ms-lease-id can be specified in any valid GUID string format" (the
 * formats of .NET's Guid(String) constructor: 32 digits, hyphenated, in braces or in parentheses),
 * and a GUID is the same GUID in any of them and in any case.
 */

const FORMATS = [/^[0-9a-f]{32}$/i, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, /^\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}$/i, /^\([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\)$/i];

export function isGuid(text: string): boolean {
  return FORMATS.some((format) => format.test(text));
}

/** The 32 lower-case hex digits of a GUID, for comparing two spellings of it. */
function digits(guid: string): string {
  return guid.replace(/[{}()-]/g, '').toLowerCase();
}

export function sameGuid(a: string, b: string): boolean {
  return isGuid(a) && isGuid(b) ? digits(a) === digits(b) : a === b;
}

/**
 * The IDs the service generates for an acquire without a proposed ID: distinct, and a pure function
 * of how many it generated before (a simulated run must not read real randomness).
 */
export function leaseIdCounter(prefix = '00000000'): () => string {
  let next = 1;
  return () => `${prefix}-0000-4000-8000-${(next++).toString(16).padStart(12, '0')}`;
}
