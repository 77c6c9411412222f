/**
 * A value made on first use, not at import: modules that compile validators or read the
 * environment stay free of work until something needs them.
 */
export function lazy<T>(make: () => T): () => T {
  let value: T | undefined;
  let made = false;
  return () => {
    if (!made) {
      value = make();
      made = true;
    }
    return value as T;
  };
}
