import { describe, expect, it } from 'vitest';
import { escapeHtml } from './escape.js';

describe('escapeHtml', () => {
  it('turns markup into text, in content and in quoted attributes', () => {
    expect(escapeHtml(`<script>alert("x")</script>`)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(escapeHtml(`a' onload='x`)).toBe('a&#39; onload=&#39;x');
    expect(escapeHtml('&lt;')).toBe('&amp;lt;'); // escaped once more, shown as typed
    expect(escapeHtml('plain text 1.5 ± 0.2')).toBe('plain text 1.5 ± 0.2');
  });
});
