import { z } from 'zod';
import { configSchema } from './schema.ts';

/**
 * The JSON Schema of headroom.config.yaml as a person writes it (durations as strings,
 * defaults optional), for editor completion via `# yaml-language-server: $schema=...`.
 */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }),
    title: 'Headroom configuration (headroom.config.yaml)',
  };
}
