/**
 * An unordered collection with O(1) add and remove, iterated as a plain array (fast in the match loop).
 * Each stored item remembers its own slot, so removal swaps the last item into the hole.
 */
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

/** Bags under string/number keys; empty bags are dropped so the map's size reflects live keys. */
export class BagMap<K, T extends Slotted> {
  readonly map = new Map<K, Bag<T>>();

  add(key: K, item: T): void {
    let bag = this.map.get(key);
    if (!bag) this.map.set(key, (bag = new Bag<T>()));
    bag.add(item);
  }

  /** Returns true when the key's bag became empty (and was dropped). */
  remove(key: K, item: T): boolean {
    const bag = this.map.get(key)!;
    bag.remove(item);
    if (bag.size > 0) return false;
    this.map.delete(key);
    return true;
  }
}
