/**
 * The calls in flight on one connection, by stream id (never 0): an open-addressing table with
 * linear probing and backward-shift deletion, which allocates only when it grows. A `Map` under
 * the set/delete churn of short calls re-allocated its table every few calls (V8 rehashes a table
 * whose slots are used up by deleted entries, and shrinks one that empties).
 */
export class CallTable<T> {
  private ids: Uint32Array;
  private slots: Array<T | undefined>;
  private mask: number;
  /** 32 - log2(capacity): the home slot is the top bits of the product (Fibonacci hashing). */
  private shift: number;
  private count = 0;

  constructor(initialCapacity = 16) {
    let capacity = 16;
    while (capacity < initialCapacity) capacity *= 2;
    this.ids = new Uint32Array(capacity);
    this.slots = new Array<T | undefined>(capacity).fill(undefined);
    this.mask = capacity - 1;
    this.shift = 32 - Math.log2(capacity);
  }

  get size(): number {
    return this.count;
  }

  get(id: number): T | undefined {
    const at = this.find(id);
    return at < 0 ? undefined : this.slots[at];
  }

  has(id: number): boolean {
    return this.find(id) >= 0;
  }

  set(id: number, value: T): void {
    if (id <= 0 || id > 0xffff_ffff || !Number.isInteger(id)) throw new RangeError(`stream id ${id} is not a positive 32-bit integer`);
    const found = this.find(id);
    if (found >= 0) {
      this.slots[found] = value;
      return;
    }
    if ((this.count + 1) * 2 > this.ids.length) this.grow();
    this.place(id, value);
    this.count++;
  }

  delete(id: number): boolean {
    let hole = this.find(id);
    if (hole < 0) return false;
    const { ids, slots, mask } = this;
    // Backward shift: move each following entry of the run into the hole when its home slot
    // does not lie (cyclically) between the hole and where it is.
    for (let next = (hole + 1) & mask; ids[next] !== 0; next = (next + 1) & mask) {
      const home = this.home(ids[next]!);
      const stays = hole <= next ? hole < home && home <= next : hole < home || home <= next;
      if (stays) continue;
      ids[hole] = ids[next]!;
      slots[hole] = slots[next];
      hole = next;
    }
    ids[hole] = 0;
    slots[hole] = undefined;
    this.count--;
    return true;
  }

  /** How many slots a lookup of `id` reads (a measure of clustering, for tests). */
  probesFor(id: number): number {
    let probes = 1;
    for (let at = this.home(id); this.ids[at] !== 0 && this.ids[at] !== id; at = (at + 1) & this.mask) probes++;
    return probes;
  }

  /** A snapshot of the entries, safe to change the table while going through it (rare paths: sweeps, closing). */
  entries(): Array<[number, T]> {
    const out: Array<[number, T]> = [];
    for (let i = 0; i < this.ids.length; i++) if (this.ids[i] !== 0) out.push([this.ids[i]!, this.slots[i] as T]);
    return out;
  }

  /** Fibonacci hashing (the top bits of id * 2^32 / the golden ratio): ids a peer picks do not pile onto one slot by being multiples of the capacity. */
  private home(id: number): number {
    return Math.imul(id, 0x9e3779b1) >>> this.shift;
  }

  private find(id: number): number {
    if (id <= 0 || id > 0xffff_ffff) return -1;
    const { ids, mask } = this;
    for (let at = this.home(id); ids[at] !== 0; at = (at + 1) & mask) if (ids[at] === id) return at;
    return -1;
  }

  private place(id: number, value: T): void {
    let at = this.home(id);
    while (this.ids[at] !== 0) at = (at + 1) & this.mask;
    this.ids[at] = id;
    this.slots[at] = value;
  }

  private grow(): void {
    const old = this.entries();
    const capacity = this.ids.length * 2;
    this.ids = new Uint32Array(capacity);
    this.slots = new Array<T | undefined>(capacity).fill(undefined);
    this.mask = capacity - 1;
    this.shift = 32 - Math.log2(capacity);
    for (const [id, value] of old) this.place(id, value);
  }
}
