/**
 * Index for prefix- or suffix-keyed entries: entries are grouped by their affix text, and the distinct affix
 * lengths are kept sorted, so looking up a value costs one (filtered, see bag.ts) hash lookup per distinct length,
 * not per rule.
 */
import { BagMap, type Slotted } from './bag.js';

export class AffixIndex<T extends Slotted> {
  private readonly byText = new BagMap<string, T>();
  private readonly lengthCounts = new Map<number, number>();
  /** Distinct affix lengths, ascending. */
  private lengths: number[] = [];

  constructor(private readonly fromEnd: boolean) {}

  get size(): number {
    return this.byText.map.size;
  }

  add(text: string, item: T): void {
    const isNewText = !this.byText.map.has(text);
    this.byText.add(text, item);
    if (!isNewText) return;
    const n = this.lengthCounts.get(text.length) ?? 0;
    this.lengthCounts.set(text.length, n + 1);
    if (n === 0) this.lengths = [...this.lengths, text.length].sort((a, b) => a - b);
  }

  remove(text: string, item: T): void {
    if (!this.byText.remove(text, item)) return;
    const n = this.lengthCounts.get(text.length)! - 1;
    if (n > 0) {
      this.lengthCounts.set(text.length, n);
      return;
    }
    this.lengthCounts.delete(text.length);
    this.lengths = this.lengths.filter((l) => l !== text.length);
  }

  /** Calls `visit` for every entry whose affix is a prefix (or suffix) of `value`. */
  forEachMatch(value: string, visit: (item: T) => void): void {
    const lengths = this.lengths;
    const byText = this.byText;
    for (let i = 0; i < lengths.length; i++) {
      const len = lengths[i];
      if (len > value.length) return;
      const key = this.fromEnd ? value.substring(value.length - len) : value.substring(0, len);
      const bag = byText.get(key);
      if (bag) {
        const items = bag.items;
        for (let j = 0; j < items.length; j++) visit(items[j]);
      }
    }
  }
}
