export { default } from './app.ts';
