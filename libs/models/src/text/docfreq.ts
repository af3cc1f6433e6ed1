/**
 * Document-frequency tables for TF-IDF: how many observed documents contain each term.
 * The analyzer takes one as a collaborator: the extract service passes its Redis-backed table (shared
 * by all workers; services/extract/src/adapters/docfreq-redis.ts), tests and one-shot runs the in-memory one.
 */
export interface DocFreq {
  /** Record one document containing `terms` (duplicates are counted once); total += 1. */
  observe(terms: Iterable<string>): Promise<void>;
  /** Number of observed documents containing each term, aligned with `terms` (0 if unseen). */
  get(terms: readonly string[]): Promise<number[]>;
  /** Number of observed documents. */
  total(): Promise<number>;
}

export function createMemoryDocFreq(seed?: { docs: Iterable<Iterable<string>> }): DocFreq & {
  readonly size: number;
} {
  const counts = new Map<string, number>();
  let docs = 0;
  const observeSync = (terms: Iterable<string>): void => {
    for (const t of new Set(terms)) counts.set(t, (counts.get(t) ?? 0) + 1);
    docs += 1;
  };
  for (const d of seed?.docs ?? []) observeSync(d);
  return {
    observe: async (terms) => observeSync(terms),
    get: async (terms) => terms.map((t) => counts.get(t) ?? 0),
    total: async () => docs,
    get size() {
      return counts.size;
    },
  };
}

/**
 * A table made on first use: `make` runs once, when a method is first called (a failed make is tried
 * again on the next call). extract's image threads build their language's analyzers for the embedder
 * only and never count a term, so they never open the Redis connection (nor load its client) a text
 * thread's table needs.
 */
export function lazyDocFreq(make: () => DocFreq | Promise<DocFreq>): DocFreq {
  let table: Promise<DocFreq> | undefined;
  const get = () => {
    if (!table) {
      const p = Promise.resolve().then(make);
      table = p;
      p.catch(() => {
        if (table === p) table = undefined;
      });
    }
    return table;
  };
  return {
    observe: async (terms) => (await get()).observe(terms),
    get: async (terms) => (await get()).get(terms),
    total: async () => (await get()).total(),
  };
}
