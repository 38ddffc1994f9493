// A bounded least-recently-used cache on a Map (which iterates in insertion order):
// a hit re-inserts the key at the young end, and eviction takes the oldest key first.
export class LruCache<K, V> {
  private readonly map = new Map<K, V>();
  /**
   * Walks the keys oldest first, kept between evictions. A fresh keys().next() per eviction would
   * restart at the front of V8's table and step over every deleted slot left by earlier evictions
   * and hits (tens of thousands once a 50,000-entry cache is full and churning: ~47 µs an eviction,
   * measured); this iterator steps over each slot once. Every entry behind it has been deleted, so
   * the first live key it reaches is the oldest.
   */
  private oldest: Iterator<K> | null = null;

  readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
    if (!Number.isInteger(capacity) || capacity < 0) throw new Error(`LRU capacity must be an integer >= 0, got ${capacity}`);
  }

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    if (this.capacity === 0) return;
    this.map.delete(key);
    if (this.map.size >= this.capacity) {
      let next = this.oldest?.next();
      // A finished iterator stays finished, even after new insertions: start a new walk then.
      if (!next || next.done) {
        this.oldest = this.map.keys();
        next = this.oldest.next();
      }
      this.map.delete(next.value as K);
    }
    this.map.set(key, value);
  }

  has(key: K): boolean {
    return this.map.has(key);
  }
}
