export { createFalBackend } from './fal-backend.ts';
export { type FalOptions, type FalSettings, falOptionsSchema } from './fal-options.ts';
