/**
 * Committed weights and calibration files (models/weights/<name>.json), read and schema-validated by a
 * process's adapters at start-up and passed to the pure stages. A missing or malformed file stops the
 * process with WEIGHTS_INVALID naming the file and the first bad field.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { NewsFuseError } from './errors.ts';

/** The repository's committed weights directory. */
export const WEIGHTS_DIR = fileURLToPath(new URL('../../../models/weights/', import.meta.url));

export const weightsPath = (name: string) => `${WEIGHTS_DIR}${name}.json`;

/** Reads and validates a JSON file; throws WEIGHTS_INVALID (not retriable) naming the file. */
export function readJsonFile<S extends z.ZodType>(path: string, schema: S): z.infer<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new NewsFuseError('WEIGHTS_INVALID', `${path}: ${err instanceof Error ? err.message : String(err)}`, {
      retriable: false,
      cause: err,
    });
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new NewsFuseError('WEIGHTS_INVALID', `${path}: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`, {
      retriable: false,
    });
  }
  return result.data;
}

/** models/weights/<name>.json, validated against `schema`. */
export const readWeights = <S extends z.ZodType>(name: string, schema: S): z.infer<S> => readJsonFile(weightsPath(name), schema);
