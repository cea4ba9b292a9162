import { describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../../api/config/json-schema.ts';

describe('config JSON Schema', () => {
  it('describes the sections and the monitor kinds as a person writes them', () => {
    const schema = configJsonSchema() as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['page', 'groups', 'components', 'monitors', 'slos']));
    const text = JSON.stringify(schema);
    for (const kind of ['http', 'tcp', 'dns', 'tls', 'heartbeat']) expect(text).toContain(`"const":"${kind}"`);
    // Durations are written as strings like "30s", not milliseconds.
    const monitors = schema.properties['monitors'] as { items: { oneOf?: unknown[]; anyOf?: unknown[] } };
    const variants = (monitors.items.oneOf ?? monitors.items.anyOf ?? []) as { properties: Record<string, { type?: string }> }[];
    expect(variants[0]?.properties['interval']?.type).toBe('string');
  });
});
