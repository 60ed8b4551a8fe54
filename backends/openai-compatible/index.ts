export { createOpenAiCompatibleBackend } from './openai-compatible-backend.ts';
export {
  type OpenAiCompatibleOptions,
  type OpenAiCompatibleSettings,
  openAiCompatibleOptionsSchema,
} from './openai-compatible-options.ts';
