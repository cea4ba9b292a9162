import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../../api/lib/markdown.ts';
import { postmortemMarkdown } from '../../../api/domain/statuspage-postmortem.ts';

const empty = { summary: '', rootCause: '', contributingFactors: null, whereWeGotLucky: '', lessons: '' };

describe('postmortemMarkdown', () => {
  it('is null when no section was written', () => {
    expect(postmortemMarkdown(empty)).toBeNull();
    expect(postmortemMarkdown({ ...empty, summary: '   ', contributingFactors: ['<b></b>'] })).toBeNull();
  });

  it('leaves out empty sections and lists contributing factors, one line each', () => {
    expect(postmortemMarkdown({ ...empty, rootCause: 'Disk full.', contributingFactors: ['No alert', 'Old\nrunbook'] })).toBe(
      '## Root cause\n\nDisk full.\n\n## Contributing factors\n\n- No alert\n- Old runbook',
    );
  });

  it('keeps Markdown, "&" and ">" but no HTML tag, even one spelled with entities', () => {
    const body = postmortemMarkdown({
      ...empty,
      summary: '**Bold** & <em onclick="x()">styled</em> <script>alert(1)</script>\n\n> quoted, a < b',
      lessons: '&lt;script&gt;alert(1)&lt;/script&gt;',
    });
    expect(body).toContain('**Bold** & styled');
    expect(body).toContain('> quoted, a &lt; b');
    expect(body).not.toMatch(/<[a-z/]/i);
    const html = renderMarkdown(body ?? '');
    expect(html).toContain('<strong>Bold</strong>');
    expect(html).toContain('<blockquote>');
    expect(html).not.toContain('<script');
    expect(html).not.toContain('onclick');
  });
});
