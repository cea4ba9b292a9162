import type { APIRoute, GetStaticPaths } from 'astro';
import { badgeColour, badgeSvg, uptimeColour } from '../../../lib/badge.ts';
import { loadSite, type SiteComponent } from '../../../lib/data.ts';
import { percent, shownStatus } from '../../../lib/status.ts';

/** Per component: status.svg, uptime-30d.svg and uptime-90d.svg, as of the build. */
export const getStaticPaths = (async () => {
  const site = await loadSite();
  return site.components.flatMap((component) =>
    ['status', 'uptime-30d', 'uptime-90d'].map((badge) => ({ params: { id: component.id, badge }, props: { component } })),
  );
}) satisfies GetStaticPaths;

export const GET: APIRoute<{ component: SiteComponent }> = ({ params, props }) => {
  const { component } = props;
  let svg: string;
  if (params['badge'] === 'status') {
    const shown = shownStatus(component);
    svg = badgeSvg(component.name, shown.label.toLowerCase(), badgeColour[shown.key] ?? '#6e7781');
  } else {
    const value = params['badge'] === 'uptime-30d' ? component.uptime.d30 : component.uptime.d90;
    svg = badgeSvg(`uptime ${params['badge'] === 'uptime-30d' ? '30d' : '90d'}`, percent(value), uptimeColour(value));
  }
  return new Response(svg, { headers: { 'content-type': 'image/svg+xml' } });
};
