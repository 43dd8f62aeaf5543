export { escapeHtml } from './escape.js';
