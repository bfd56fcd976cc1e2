/**
 * node-postgres (`pg`) for real mode, loaded only when a run has a PostgreSQL node: locksim does
 * not depend on it (a Redis-only project need not install it), the user's project does.
 */
import type { SqlClientLike, SqlPoolLike } from '../locks/interface.ts';

/** What real mode uses of node-postgres. */
export interface NodePostgres {
  readonly Client: new (config: Record<string, unknown>) => SqlClientLike;
  readonly Pool: new (config: Record<string, unknown>) => SqlPoolLike & { on(event: 'connect', listener: (client: SqlClientLike) => void): unknown };
}

let loaded: Promise<NodePostgres> | undefined;

/** node-postgres, or an error that says how to install it. */
export function loadNodePostgres(): Promise<NodePostgres> {
  loaded ??= import('pg').then(
    (module) => (module.default ?? module) as unknown as NodePostgres,
    () => {
      throw new Error('real mode with a PostgreSQL node needs node-postgres in your project: npm install --save-dev pg');
    },
  );
  return loaded;
}
