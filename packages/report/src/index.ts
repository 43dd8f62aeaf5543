export { escapeHtml } from './escape.js';
export * from './compare/index.js';
