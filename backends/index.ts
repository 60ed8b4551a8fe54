export type { BackendCall, BackendResult, ImageBackend } from './backend.ts';
