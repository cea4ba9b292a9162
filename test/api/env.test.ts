import { describe, expect, it } from 'vitest';
import { EnvError, loadEnv } from '../../api/env.ts';

describe('loadEnv', () => {
  it('fills the documented defaults', () => {
    const env = loadEnv({});
    expect(env).toMatchObject({
      HOST: '127.0.0.1',
      PORT: 3000,
      DATABASE_URL: 'file:data/headroom.db',
      HEADROOM_CONFIG: 'headroom.config.yaml',
      BACKFILL_HORIZON: 35 * 86_400_000,
    });
  });

  it('stops with a message naming each bad variable', () => {
    expect(() => loadEnv({ PORT: 'eighty', DATABASE_URL: 'postgres://x', BACKFILL_HORIZON: 'long' })).toThrow(EnvError);
    try {
      loadEnv({ PORT: 'eighty', DATABASE_URL: 'postgres://x', HEADROOM_ADMIN_TOKEN: 'short' });
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('PORT');
      expect(message).toContain('DATABASE_URL');
      expect(message).toContain('HEADROOM_ADMIN_TOKEN');
    }
  });

  it('accepts libsql and http URLs for a libSQL server', () => {
    expect(loadEnv({ DATABASE_URL: 'libsql://db.example.turso.io', DATABASE_AUTH_TOKEN: 't' }).DATABASE_URL).toBe('libsql://db.example.turso.io');
    expect(loadEnv({ DATABASE_URL: 'http://127.0.0.1:8080' }).DATABASE_URL).toBe('http://127.0.0.1:8080');
  });
});
