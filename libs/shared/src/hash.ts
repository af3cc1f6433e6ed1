/**
 * Content hashes (pure: node:crypto only).
 */
import { createHash } from 'node:crypto';

/** SHA-256 of `data` (a string is hashed as UTF-8), as 64 lower-case hex characters. */
export const sha256hex = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');
