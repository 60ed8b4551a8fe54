import type { TenantRecord } from '../tenants/tenant-records.ts';

/** Who is calling, once authenticated. */
export type Principal =
  | {
      readonly kind: 'tenant';
      readonly tenant: TenantRecord;
      readonly via: 'api_key' | 'app_token';
      readonly subject: string;
    }
  | { readonly kind: 'operator'; readonly subject: string };
