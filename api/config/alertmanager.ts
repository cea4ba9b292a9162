import { z } from 'zod';
import { COMPONENT_STATUSES } from '../../db/schema/components.ts';
import { INCIDENT_IMPACTS } from '../../db/schema/incidents.ts';

/**
 * The `alertmanager:` section of headroom.config.yaml: how alerts from Prometheus
 * Alertmanager's webhook map to components and what each becomes. Routes are tried in order
 * and the first whose matchers all hold wins, as in Alertmanager's own routing tree.
 */

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

const regexSource = z.string().min(1).refine((source) => {
  try {
    new RegExp(`^(?:${source})$`);
    return true;
  } catch {
    return false;
  }
}, 'expected a valid regular expression');

/** A label value: a string matches exactly; `{ regex }` is anchored at both ends, like Alertmanager's `=~`. */
const labelMatcher = z.union([z.string(), z.strictObject({ regex: regexSource })], {
  error: 'expected a label value or { regex: "..." }',
});

const routeSchema = z.strictObject({
  /** Shown in audit entries and the near miss title; defaults to the route's position. */
  name: z.string().min(1).optional(),
  match: z
    .record(z.string().regex(LABEL_NAME, 'expected a Prometheus label name'), labelMatcher)
    .refine((match) => Object.keys(match).length > 0, 'give at least one label matcher'),
  components: z
    .array(z.string().min(1))
    .min(1, 'name at least one component'),
  action: z.enum(['incident', 'near_miss'], { error: 'expected action to be incident or near_miss' }),
  /** Impact of an incident this route opens. */
  impact: z.enum(INCIDENT_IMPACTS).default('major'),
  /** Status the incident puts each mapped component in. */
  componentStatus: z.enum(COMPONENT_STATUSES).default('partial_outage'),
});
export type AlertmanagerRouteConfig = z.infer<typeof routeSchema>;
export type LabelMatcherConfig = z.infer<typeof labelMatcher>;

export const alertmanagerConfigSchema = z
  .strictObject({
    routes: z.array(routeSchema).default([]),
  })
  .prefault({});
export type AlertmanagerConfig = z.infer<typeof alertmanagerConfigSchema>;

/** Every route must name declared components; reported by path with the rest of the config's problems. */
export function checkAlertmanagerReferences(
  section: AlertmanagerConfig,
  componentKeys: ReadonlySet<string>,
  ctx: z.RefinementCtx,
): void {
  section.routes.forEach((route, index) => {
    route.components.forEach((component, componentIndex) => {
      if (!componentKeys.has(component)) {
        ctx.addIssue({
          code: 'custom',
          path: ['alertmanager', 'routes', index, 'components', componentIndex],
          message: `unknown component "${component}"`,
        });
      }
    });
  });
}
