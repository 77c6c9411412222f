/** Where the stock lives: the tree's PostgreSQL, or a SQLite file where the tree has none. */
export interface StockStore {
  available(sku: string): Promise<number>;
  /** Takes `qty` units out, all or nothing: the units left, or undefined when there were not enough. */
  take(sku: string, qty: number): Promise<number | undefined>;
  /** Puts `qty` units back: the units now there. */
  give(sku: string, qty: number): Promise<number>;
}

/** What a new shop starts with. */
export const OPENING_STOCK: ReadonlyArray<readonly [string, number]> = [
  ['mug', 50],
  ['tee', 20],
  ['sticker', 500],
];
