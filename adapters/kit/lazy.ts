/**
 * Builds a value on first use and keeps it. Vendor wire schemas are built this way because zod schema
 * construction at import time counts against a Worker's start-up time.
 */
export function lazy<T>(build: () => T): () => T {
  let value: T | undefined;
  let built = false;
  return () => {
    if (!built) {
      value = build();
      built = true;
    }
    return value as T;
  };
}
