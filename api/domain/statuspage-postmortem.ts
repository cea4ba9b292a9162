import sanitizeHtml from 'sanitize-html';

/** The written parts of a blameless postmortem (table `postmortems`, issue 7). */
export interface PostmortemSections {
  summary: string;
  rootCause: string;
  contributingFactors: readonly string[] | null;
  whereWeGotLucky: string;
  lessons: string;
}

/**
 * Removes raw HTML from one section (tags and their event handlers vanish, `<script>` with its
 * content). `<` stays the entity `&lt;`, so no tag can be formed again, while `&` and `>` (a
 * Markdown blockquote) are given back as typed. Statuspage clients render `postmortem_body`
 * themselves, some without a sanitiser, so the body must be safe before it leaves the API.
 */
function plainMarkdown(text: string): string {
  return sanitizeHtml(text, { allowedTags: [], allowedAttributes: {}, disallowedTagsMode: 'discard' })
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;(?!lt;)/g, '&')
    .trim();
}

/**
 * Statuspage's `postmortem_body`: one Markdown document from the postmortem's sections, each
 * under its own heading, empty sections left out. Pure; null when nothing was written.
 */
export function postmortemMarkdown(sections: PostmortemSections): string | null {
  const parts: string[] = [];
  const add = (heading: string, text: string) => {
    const clean = plainMarkdown(text);
    if (clean !== '') parts.push(`## ${heading}\n\n${clean}`);
  };
  add('Summary', sections.summary);
  add('Root cause', sections.rootCause);
  const factors = (sections.contributingFactors ?? []).map((factor) => plainMarkdown(factor).replace(/\s*\n\s*/g, ' ')).filter((factor) => factor !== '');
  if (factors.length > 0) parts.push(`## Contributing factors\n\n${factors.map((factor) => `- ${factor}`).join('\n')}`);
  add('Where we got lucky', sections.whereWeGotLucky);
  add('Lessons', sections.lessons);
  return parts.length > 0 ? parts.join('\n\n') : null;
}
