/**
 * The SQL Server settings the simulated node acts on: when the server notices a client that
 * stopped answering, which is when a session, and every application lock it owns, ends.
 *
 * Facts kept:
 * - SQL Server Configuration Manager, TCP/IP Properties (Protocols tab), "Keep Alive": "Specify
 *   the interval (milliseconds) in which keep-alive packets are transmitted to verify that the
 *   computer at the remote end of a connection is still available"
 *   (https://learn.microsoft.com/sql/tools/configuration-manager/tcp-ip-properties-protocols-tab);
 *   its default is 30000 ms. `keepAliveMs` is it.
 * - Once a keep-alive goes unanswered, Windows probes again every KeepAliveInterval (default
 *   1000 ms, HKLM\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters\KeepAliveInterval), and
 *   "on Windows Vista and later, the number of keep-alive probes (data retransmissions) is set to
 *   10 and cannot be changed" (SIO_KEEPALIVE_VALS). So a silent client's session ends about
 *   30 + 10 × 1 s after its last packet: 40 s, where PostgreSQL on Linux's defaults waits 2 h 11 min.
 * - Data the server sent and the client never acknowledged is retransmitted; the model gives up
 *   as Linux does (tcp_retries2, ~15 min), Windows's TcpMaxDataRetransmissions (5) sooner.
 */

export interface SqlServerSettings {
  /** Keep Alive (ms): idle time before the first keep-alive packet. Default 30000. */
  readonly keepAliveMs?: number;
  /** Time between unanswered keep-alive probes (ms). Default 1000 (Windows's KeepAliveInterval). */
  readonly keepAliveIntervalMs?: number;
  /** Unanswered probes before the connection is dropped. Default 10 (Windows Vista and later). */
  readonly keepAliveProbes?: number;
}

export type ResolvedSqlServerSettings = Readonly<Required<SqlServerSettings>>;

export const SQLSERVER_DEFAULTS: ResolvedSqlServerSettings = Object.freeze({ keepAliveMs: 30_000, keepAliveIntervalMs: 1_000, keepAliveProbes: 10 });

const NAMES = Object.keys(SQLSERVER_DEFAULTS) as Array<keyof SqlServerSettings>;

export function resolveSqlServerSettings(settings: SqlServerSettings = {}): ResolvedSqlServerSettings {
  return Object.freeze({ ...SQLSERVER_DEFAULTS, ...settings });
}

/** Problems with settings handed in (a scenario's node), each naming the setting and the fix. */
export function sqlServerSettingsProblems(settings: unknown, where: string): string[] {
  if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) return [`${where}: must be an object of SQL Server settings, e.g. { keepAliveMs: 5000 }`];
  const problems: string[] = [];
  for (const [name, value] of Object.entries(settings)) {
    if (!(NAMES as string[]).includes(name)) {
      problems.push(`${where}.${name}: not a setting the simulated SQL Server acts on (it acts on ${NAMES.join(', ')})`);
      continue;
    }
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) problems.push(`${where}.${name}: must be an integer >= 1 (${name === 'keepAliveProbes' ? 'probes' : 'milliseconds'}), got ${JSON.stringify(value)}`);
  }
  return problems;
}
