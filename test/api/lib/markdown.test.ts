import { describe, expect, it } from 'vitest';
import { markdownToText, renderMarkdown } from '../../../api/lib/markdown.ts';

describe('renderMarkdown', () => {
  it('renders Markdown (emphasis, lists, links, code)', () => {
    const html = renderMarkdown('**Fixed** the `cache`:\n\n- one\n- two\n\n[details](https://example.test/x)');
    expect(html).toContain('<strong>Fixed</strong>');
    expect(html).toContain('<code>cache</code>');
    expect(html).toContain('<li>one</li>');
    expect(html).toContain('<a href="https://example.test/x" rel="noopener noreferrer nofollow">details</a>');
  });

  it.each([
    ['script tags', '<script>alert(1)</script>hello', /<script/i],
    ['event handlers', '<img src="x" onerror="alert(1)"><a href="https://e.test" onclick="alert(1)">x</a>', /onerror|onclick/i],
    ['javascript: links in Markdown', '[click](javascript:alert(1))', /javascript:/i],
    ['javascript: links in HTML', '<a href="JaVaScRiPt:alert(1)">x</a>', /javascript:/i],
    ['data: URLs', '<a href="data:text/html,<script>alert(1)</script>">x</a>', /data:/i],
    ['iframes and styles', '<iframe src="https://e.test"></iframe><style>body{}</style>', /<iframe|<style/i],
  ])('removes %s', (_, input, forbidden) => {
    expect(renderMarkdown(input)).not.toMatch(forbidden);
  });

  it('gives plain text for email text parts', () => {
    expect(markdownToText('# Title\n\nSome **bold** & <b>more</b>')).toBe('Title\nSome bold & more');
  });
});
