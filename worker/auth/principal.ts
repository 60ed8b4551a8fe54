import type { TenantRecord } from '../tenants/tenant-records.ts';

/** Who is calling, once authenticated. */
export type Principal =
  | {
      readonly kind: 'tenant';
      readonly tenant: TenantRecord;
      readonly via: 'api_key' | 'app_token';
      readonly subject: string;
    }
  | {
      readonly kind: 'operator';
      readonly subject: string;
      /** The token's `jti`: revoking it locks this token out. */
      readonly tokenId: string;
      /** When the token expires, epoch seconds: tokens it mints may not outlive it. */
      readonly expiresAt: number;
      /**
       * The `jti`s of the tokens this one was minted with, nearest first; revoking any of them locks
       * this token out too. Absent or empty for a token minted offline.
       */
      readonly lineage?: readonly string[];
    };
