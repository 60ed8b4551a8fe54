export { default } from './app.ts';
export { FleetRegistry } from './objects/fleet-registry.ts';
export { TenantDirectory } from './objects/tenant-directory.ts';
