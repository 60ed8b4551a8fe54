import type { TenantDirectory } from './tenant-directory.ts';

// Apart from the class, so code that only calls the directory does not load its implementation.

/** The name of the one tenant directory object. */
const TENANT_DIRECTORY_NAME = 'tenants';

/** The tenant directory's stub. */
export function tenantDirectoryOf(env: Env): DurableObjectStub<TenantDirectory> {
  return env.TENANTS.getByName(TENANT_DIRECTORY_NAME);
}
