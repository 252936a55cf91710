/**
 * An unordered collection with O(1) add and remove, iterated as a plain array (fast in the match loop).
 * Each stored item remembers its own slot, so removal swaps the last item into the hole.
 */
import { KeyFilter } from './key-filter.js';

export interface Slotted {
  slot: number;
}

export class Bag<T extends Slotted> {
  readonly items: T[] = [];

  add(item: T): void {
    item.slot = this.items.length;
    this.items.push(item);
  }

  remove(item: T): void {
    const last = this.items.pop()!;
    if (last !== item) {
      this.items[item.slot] = last;
      last.slot = item.slot;
    }
  }

  get size(): number {
    return this.items.length;
  }
}

/** From this many keys on, lookups go through a KeyFilter first; smaller Maps stay in cache anyway. */
const FILTER_FROM = 512;

/**
 * Bags under Map keys; empty bags are dropped so the map's size reflects live keys. Lookups (`get`) on a large
 * map are screened by a KeyFilter, so a value no rule mentions costs about the same however many keys there are.
 */
export class BagMap<K, T extends Slotted> {
  readonly map = new Map<K, Bag<T>>();
  private filter: KeyFilter | null = null;

  get(key: K): Bag<T> | undefined {
    const filter = this.filter;
    if (filter !== null && !filter.mayContain(key)) return undefined;
    return this.map.get(key);
  }

  add(key: K, item: T): void {
    let bag = this.map.get(key);
    if (!bag) {
      this.map.set(key, (bag = new Bag<T>()));
      const filter = this.filter;
      if (filter ? !filter.add(key) : this.map.size >= FILTER_FROM) this.rebuildFilter();
    }
    bag.add(item);
  }

  /** Returns true when the key's bag became empty (and was dropped). */
  remove(key: K, item: T): boolean {
    const bag = this.map.get(key)!;
    bag.remove(item);
    if (bag.size > 0) return false;
    this.map.delete(key);
    if (this.filter && !this.filter.remove()) this.rebuildFilter();
    return true;
  }

  private rebuildFilter(): void {
    this.filter = this.map.size >= FILTER_FROM / 2 ? new KeyFilter(this.map.keys(), this.map.size) : null;
  }
}
