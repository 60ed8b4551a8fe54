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
    };
