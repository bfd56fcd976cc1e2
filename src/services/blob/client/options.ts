/**
 * The SDK options each call of the client understands, and a clear error for the others. Lease
 * code written for @azure/storage-blob runs here unmodified only if what it asks for is modelled;
 * an option the simulated service would silently ignore (a range, metadata, If-Modified-Since, tag
 * conditions) would make a run answer something the real service does not, so it is refused with
 * the name of the option and what the call does understand. Options set to `undefined` are fine.
 */

/** The SDK's access conditions, as far as the simulated service evaluates them. */
export interface BlobRequestConditions {
  /** Only if the blob's lease is this one (x-ms-lease-id). */
  readonly leaseId?: string;
  /** Only if the blob's ETag is this one (`*`: any). */
  readonly ifMatch?: string;
  /** Only if the blob's ETag is not this one (`*`: only if there is no blob). */
  readonly ifNoneMatch?: string;
}

/** The access conditions of a lease action (the SDK's ModifiedAccessConditions, less dates and tags). */
export type ModifiedAccessConditions = Pick<BlobRequestConditions, 'ifMatch' | 'ifNoneMatch'>;

/** Options every call takes. */
export interface CommonOptions {
  /** Ends the call with an AbortError (also during a retry's delay). */
  readonly abortSignal?: AbortSignal;
  /** Accepted and ignored, as tracing changes no answer. */
  readonly tracingOptions?: object;
}

/** Throws a TypeError naming each option (and condition) the call does not model. */
export function checkOptions(call: string, options: object | undefined, allowed: readonly string[], allowedConditions: readonly string[]): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null) throw new TypeError(`${call}: options must be an object, got ${String(options)}`);
  const all = ['abortSignal', 'tracingOptions', ...allowed];
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (!all.includes(key)) throw new TypeError(`${call}: option '${key}' is not modelled by the simulated Blob service; this call understands ${all.join(', ')}`);
  }
  const conditions = (options as { conditions?: unknown }).conditions;
  if (conditions === undefined) return;
  if (typeof conditions !== 'object' || conditions === null) throw new TypeError(`${call}: conditions must be an object, got ${String(conditions)}`);
  for (const [key, value] of Object.entries(conditions)) {
    if (value === undefined) continue;
    if (!allowedConditions.includes(key)) {
      const understood = allowedConditions.length === 0 ? 'none' : allowedConditions.join(', ');
      throw new TypeError(`${call}: condition '${key}' is not modelled by the simulated Blob service; the conditions this call understands: ${understood}`);
    }
    if (typeof value !== 'string') throw new TypeError(`${call}: condition '${key}' must be a string, got ${typeof value}`);
  }
}

/** The request headers of the conditions that are set (an empty lease ID is sent as none, as the SDK leaves it out). */
export function conditionHeaders(conditions: BlobRequestConditions | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  if (conditions === undefined) return headers;
  if (conditions.leaseId !== undefined && conditions.leaseId !== '') headers['x-ms-lease-id'] = conditions.leaseId;
  if (conditions.ifMatch !== undefined) headers['if-match'] = conditions.ifMatch;
  if (conditions.ifNoneMatch !== undefined) headers['if-none-match'] = conditions.ifNoneMatch;
  return headers;
}
