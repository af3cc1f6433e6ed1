/**
 * What the main job's supervisor (scripts/run.ts) reports about the services it runs, one record per
 * (host, service) in a Redis hash, read by the dashboard's pipeline-health panel. One schema for the
 * writer and the reader.
 */
import { z } from 'zod';
import { key } from './redis.ts';
import type { BaseConfig } from './config.ts';

export const SUPERVISED_STATES = ['starting', 'running', 'backoff', 'failed', 'stopping', 'stopped'] as const;

export const SupervisedService = z.object({
  service: z.string().min(1),
  /** The machine (hostname) whose supervisor runs it; with roles (`--only`) there are several. */
  host: z.string().min(1),
  state: z.enum(SUPERVISED_STATES),
  pid: z.number().int().nullable(),
  /** Restarts since the supervisor started. */
  restarts: z.number().int().min(0),
  lastExit: z.object({ code: z.number().int().nullable(), signal: z.string().nullable(), at: z.iso.datetime({ offset: true }) }).nullable(),
  updatedAt: z.iso.datetime({ offset: true }),
});
export type SupervisedService = z.infer<typeof SupervisedService>;

/** The hash holding the records; field = `${host}/${service}`. */
export const supervisionKey = (cfg: Pick<BaseConfig, 'NEWSFUSE_PREFIX'>) => key(cfg, 'supervisor', 'services');
export const supervisionField = (s: Pick<SupervisedService, 'host' | 'service'>) => `${s.host}/${s.service}`;
/** The hash expires this long after the last write (a supervisor that is gone stops showing). */
export const SUPERVISION_TTL_SECONDS = 7 * 24 * 3600;

/** Decodes the hash's values, dropping what does not parse (a record from another version). */
export function decodeSupervision(hash: Record<string, string>): SupervisedService[] {
  const out: SupervisedService[] = [];
  for (const raw of Object.values(hash)) {
    try {
      const r = SupervisedService.safeParse(JSON.parse(raw));
      if (r.success) out.push(r.data);
    } catch {
      // not JSON: skip
    }
  }
  return out.sort((a, b) => a.service.localeCompare(b.service) || a.host.localeCompare(b.host));
}
