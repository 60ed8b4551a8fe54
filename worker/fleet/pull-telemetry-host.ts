import { type BackendProbe, backends, type ImageBackend, isBackendProtocol } from '../../backends/index.ts';
import { ProviderCredentials } from '../auth/provider-credentials.ts';
import { edgeConfigOf } from '../config.ts';
import { upstreamOf } from '../dispatch/pool-upstream.ts';
import { checkOutboundUrl, describeRefusal } from '../net/index.ts';
import { HEARTBEAT_PROTOCOL } from '../routing/index.ts';
import { type PoolRow, poolFromRow, reportFromColumn } from './fleet-rows.ts';
import type { PulledPool, PullTelemetryHost } from './pull-telemetry.ts';

/** Every pool whose provider pushes no telemetry (any protocol but gpu-node), with its latest report. */
export function pulledPools(sql: SqlStorage): PulledPool[] {
  // Only these pools' reports, in the same read: this runs every second.
  const rows = sql
    .exec<
      PoolRow & { protocol: string; sealed: string | null; secret_name: string | null; report: string | null }
    >(
      `SELECT pools.*, providers.protocol AS protocol, providers.credentials_sealed AS sealed,
         providers.credentials_ref AS secret_name, telemetry.report AS report
       FROM pools
       JOIN providers ON providers.id = pools.provider_id
       LEFT JOIN telemetry ON telemetry.pool_id = pools.id
       WHERE providers.protocol != ?`,
      HEARTBEAT_PROTOCOL,
    )
    .toArray();
  return rows.map((row) => ({
    pool: poolFromRow(row),
    protocol: row.protocol,
    credential: { providerId: row.provider_id, sealed: row.sealed, secretName: row.secret_name },
    latest: row.report === null ? null : reportFromColumn(row.report),
  }));
}

/**
 * What the registry's `PullTelemetry` calls out to: one adapter per protocol, and a probe that
 * sends the provider's own credential (opened from its sealed copy, as dispatch does) only to a URL
 * the edge's outbound policy allows.
 */
export function pullTelemetryHost(env: Env, record: PullTelemetryHost['record']): PullTelemetryHost {
  const adapters = new Map<string, ImageBackend>();
  let credentials: ProviderCredentials | null = null;
  return {
    record,
    backendFor(protocol) {
      if (!isBackendProtocol(protocol)) return undefined;
      let adapter = adapters.get(protocol);
      if (!adapter) {
        adapter = backends[protocol]();
        adapters.set(protocol, adapter);
      }
      return adapter;
    },
    async probe(backend, pulled, signal): Promise<BackendProbe> {
      const config = edgeConfigOf(env);
      const check = checkOutboundUrl(pulled.pool.url, {
        allowPrivate: config.allowPrivatePoolUrls,
        requireHttps: false,
      });
      if (!check.ok) return { ready: false, detail: `url refused: ${describeRefusal(check.refusal)}` };
      credentials ??= new ProviderCredentials(config.credentialsKeys, (name) => Reflect.get(env, name));
      const token = await credentials.credentialFor(pulled.credential);
      const upstream = upstreamOf(pulled.pool);
      // The metrics URL obeys the same outbound policy as the pool's own.
      const metrics = upstream?.metricsUrl;
      const metricsAllowed =
        metrics === undefined ||
        checkOutboundUrl(metrics, { allowPrivate: config.allowPrivatePoolUrls, requireHttps: false }).ok;
      const allowed = upstream && !metricsAllowed ? { ...upstream, metricsUrl: undefined } : upstream;
      if (!backend.probe) return { ready: true };
      return backend.probe({
        poolUrl: pulled.pool.url,
        token,
        signal,
        ...(allowed ? { upstream: allowed } : {}),
      });
    },
  };
}
