/** Resolves once `predicate` holds, checked every macrotask; fails after `timeoutMs` naming `what`. */
export async function until(predicate: () => boolean, what = 'condition', timeoutMs = 5000): Promise<void> {
  for (const end = Date.now() + timeoutMs; !predicate(); ) {
    if (Date.now() > end) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
