/** A flat two-part SVG badge (shields.io style), text escaped, sized by a rough glyph width. */
const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const width = (text: string): number => Math.round(text.length * 6.6 + 12);

export function badgeSvg(label: string, value: string, colour: string): string {
  const left = width(label);
  const right = width(value);
  const total = left + right;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${total}" height="20" role="img" aria-label="${escape(`${label}: ${value}`)}"><title>${escape(`${label}: ${value}`)}</title><rect width="${left}" height="20" fill="#555"/><rect x="${left}" width="${right}" height="20" fill="${colour}"/><g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11" text-anchor="middle"><text x="${left / 2}" y="14">${escape(label)}</text><text x="${left + right / 2}" y="14">${escape(value)}</text></g></svg>`;
}

export const badgeColour: Record<string, string> = {
  operational: '#1a7f37',
  degraded_performance: '#9a6700',
  partial_outage: '#bc4c00',
  major_outage: '#c62828',
  under_maintenance: '#1f5fbf',
  unknown: '#6e7781',
  stale: '#6e7781',
};

export function uptimeColour(value: number | null): string {
  if (value === null) return '#6e7781';
  return value >= 0.999 ? '#1a7f37' : value >= 0.99 ? '#9a6700' : value >= 0.95 ? '#bc4c00' : '#c62828';
}
