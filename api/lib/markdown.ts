import { Marked } from 'marked';
import sanitizeHtml from 'sanitize-html';

/**
 * Markdown → safe HTML for incident updates and maintenance notes, shared by the API and the
 * static site build. marked renders (GFM, no raw-HTML trust), then sanitize-html keeps only an
 * allow-list: no <script>/<style>/<iframe>, no `on*` event handlers, no `javascript:` or `data:`
 * URLs, and external links get `rel="noopener noreferrer nofollow"`.
 */
const marked = new Marked({ gfm: true, breaks: false, async: false });

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: [
    'p', 'br', 'hr', 'strong', 'em', 'b', 'i', 'del', 's', 'code', 'pre', 'blockquote',
    'ul', 'ol', 'li', 'a', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6',
    'table', 'thead', 'tbody', 'tr', 'th', 'td',
  ],
  allowedAttributes: { a: ['href', 'title', 'rel'], th: ['align'], td: ['align'], code: ['class'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesAppliedToAttributes: ['href'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  transformTags: {
    a: sanitizeHtml.simpleTransform('a', { rel: 'noopener noreferrer nofollow' }),
  },
};

/** Renders Markdown to sanitised HTML. Never throws; empty text gives an empty string. */
export function renderMarkdown(text: string): string {
  const html = marked.parse(text);
  return sanitizeHtml(typeof html === 'string' ? html : '', SANITIZE).trim();
}

/** Plain text of a Markdown body (for email text parts and feed summaries). */
export function markdownToText(text: string): string {
  return sanitizeHtml(renderMarkdown(text), { allowedTags: [], allowedAttributes: {} })
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
