/**
 * What a simulated blob node is: whose behaviour it has (Azure's, or Azurite 3.35's where the two
 * differ: dialect.ts), and what a crash of it keeps.
 *
 * What a crash keeps (checked in Azurite 3.35.0's source, dist/src/blob/):
 * - `durable` (the default): Azure Storage. A front end that dies loses nothing it acknowledged:
 *   blobs, ETags and leases (with their end times on the service's clock) are there after it, and a
 *   lease goes on running out while the node is down.
 * - `autosave`: Azurite as it runs by default. It keeps its metadata (blobs, ETags, leases) in a
 *   LokiJS database in its workspace folder (`--location`, by default the current directory), saved
 *   by LokiJS's autosave every 5 000 ms when something changed (LokiBlobMetadataStore: `autosave:
 *   true, autosaveInterval: 5000`), and on SIGINT/SIGTERM. A SIGKILL loses what changed since the
 *   last save: leases acquired, renewed, released or broken and blobs written in up to the last 5 s.
 *   New ETags are never handed out again (Azurite's are drawn from the time and Math.random).
 * - `in-memory`: Azurite with `--inMemoryPersistence` ("If the Azurite process is terminated, all
 *   data is lost"): a restart starts with no blobs and no leases.
 */
import { AZURE, AZURITE_3_35, type BlobDialect } from './dialect.ts';

export type BlobPersistence = 'durable' | 'autosave' | 'in-memory';
export const BLOB_PERSISTENCE_MODES: readonly BlobPersistence[] = ['durable', 'autosave', 'in-memory'];

/** Azurite's LokiJS autosave interval, ms. */
export const AZURITE_AUTOSAVE_MS = 5_000;

export type BlobDialectName = 'azure' | 'azurite-3.35';
export const BLOB_DIALECTS: Readonly<Record<BlobDialectName, BlobDialect>> = { azure: AZURE, 'azurite-3.35': AZURITE_3_35 };

export interface BlobNodeSettings {
  /** Whose answers where Azure and Azurite differ (default `azure`; `azurite-3.35` for a scenario compared with real mode). */
  readonly dialect?: BlobDialectName;
  /** What a crash keeps (default `durable`, as Azure Storage). */
  readonly persistence?: BlobPersistence;
}

export type ResolvedBlobNodeSettings = Readonly<Required<BlobNodeSettings>>;

export function resolveBlobSettings(settings: BlobNodeSettings = {}): ResolvedBlobNodeSettings {
  return { dialect: settings.dialect ?? 'azure', persistence: settings.persistence ?? 'durable' };
}

/** Problems with a blob node's settings, each naming the field and the fix. */
export function blobSettingsProblems(settings: unknown, where: string): string[] {
  if (typeof settings !== 'object' || settings === null) return [`${where}: must be an object like { persistence: 'autosave' }`];
  const problems: string[] = [];
  const fields = settings as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (key !== 'dialect' && key !== 'persistence') problems.push(`${where}.${key}: not a blob node setting (the settings are dialect and persistence)`);
  }
  if (fields.dialect !== undefined && !Object.hasOwn(BLOB_DIALECTS, String(fields.dialect))) {
    problems.push(`${where}.dialect: must be one of ${Object.keys(BLOB_DIALECTS).join(', ')}, got ${JSON.stringify(fields.dialect)}`);
  }
  if (fields.persistence !== undefined && !BLOB_PERSISTENCE_MODES.includes(fields.persistence as BlobPersistence)) {
    problems.push(`${where}.persistence: must be one of ${BLOB_PERSISTENCE_MODES.join(', ')}, got ${JSON.stringify(fields.persistence)}`);
  }
  return problems;
}
