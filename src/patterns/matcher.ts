/**
 * Matcher: many compiled patterns indexed together, in the manner of event-ruler. Every field path any rule uses
 * has a value index (field-index.ts); an event is walked once over the referenced paths (field-tree.ts), each
 * value marks the field uses it satisfies, and a sub-rule (one `$or` branch) becomes a candidate when its count
 * of satisfied fields reaches its number of required fields. Anything-but uses are the exception: they hold for
 * almost every value, so they are not indexed but checked on candidates, like `exists: false` fields and
 * array-element consistency. Matching cost therefore follows the number of satisfied conditions, not the number
 * of rules. Rules are added and removed incrementally.
 */
import type { CompiledPattern } from './compile.js';
import { conditionMatches, isAnythingBut, type LeafValue } from './conditions.js';
import { Bag } from './bag.js';
import { FieldTree } from './field-tree.js';
import { JsonScanner, MalformedJson } from './json-scan.js';
import type { ArrayTrail, FieldUse, MatchContext, RuleRecord, SubRule } from './rule-state.js';

export class Matcher<Id = string> {
  private readonly ctx: MatchContext = { epoch: 0, candidates: [] };
  private readonly tree = new FieldTree(this.ctx);
  private readonly scanner = new JsonScanner(this.tree);
  private readonly rules = new Map<Id, RuleRecord<Id>>();
  /** Sub-rules with no positive field (only `exists: false`-style fields): checked on every event. */
  private readonly unconditional = new Bag<SubRule>();

  /** Adds a rule; an existing rule with the same id is replaced. */
  add(id: Id, pattern: CompiledPattern): void {
    this.remove(id);
    const rule: RuleRecord<Id> = { id, subRules: [], stamp: 0 };
    for (const branch of pattern.branches) {
      const sr: SubRule = { rule, uses: [], required: 0, count: 0, stamp: 0, slot: -1 };
      for (const [path, conditions] of branch) {
        const field = this.tree.acquire(path);
        const others = conditions.filter((c) => !(c.kind === 'exists' && !c.present));
        const role = others.length === conditions.length ? 'positive' : others.length === 0 ? 'absent' : 'mixed';
        const negative = role !== 'absent' && others.length === 1 && isAnythingBut(others[0]);
        const use: FieldUse = { sr, path, field, role, conditions: others, entries: [], stamp: 0, negative };
        if (role === 'positive' && !negative) sr.required++;
        // A use with no index entries still holds the path, so its presence keeps being observed.
        field.refs++;
        for (const condition of others) {
          const entry = { use, condition, slot: -1 };
          use.entries.push(entry);
          field.add(entry);
        }
        sr.uses.push(use);
      }
      const trigger = triggerOf(sr);
      if (trigger) trigger.field.addTrigger(sr);
      else if (sr.required === 0) this.unconditional.add(sr);
      rule.subRules.push(sr);
    }
    this.rules.set(id, rule);
  }

  remove(id: Id): void {
    const rule = this.rules.get(id);
    if (!rule) return;
    this.rules.delete(id);
    for (const sr of rule.subRules) {
      const trigger = triggerOf(sr);
      if (trigger) trigger.field.removeTrigger(sr);
      else if (sr.required === 0) this.unconditional.remove(sr);
      for (const use of sr.uses) {
        for (const entry of use.entries) use.field.remove(entry);
        use.field.refs--;
        this.tree.release(use.path, use.field);
      }
    }
  }

  get size(): number {
    return this.rules.size;
  }

  /** Ids of the rules matching an already-parsed JSON event. */
  matchEvent(event: unknown): Id[] {
    this.begin();
    this.tree.walk(event);
    return this.collect();
  }

  /** Ids of the rules matching a JSON event text; only the parts some rule refers to are decoded. */
  matchJson(json: string): Id[] {
    this.begin();
    try {
      this.scanner.scan(json);
    } catch (e) {
      if (!(e instanceof MalformedJson)) throw e;
      // Let JSON.parse report the syntax error; if it parses after all, match the ordinary way.
      return this.matchEvent(JSON.parse(json));
    }
    return this.collect();
  }

  private begin(): void {
    this.ctx.epoch++;
    this.ctx.candidates.length = 0;
  }

  private collect(): Id[] {
    const ctx = this.ctx;
    const out: Id[] = [];
    this.consider(ctx.candidates, out);
    this.consider(this.unconditional.items, out);
    return out;
  }

  private consider(subRules: readonly SubRule[], out: Id[]): void {
    const epoch = this.ctx.epoch;
    for (let i = 0; i < subRules.length; i++) {
      const sr = subRules[i];
      const rule = sr.rule as RuleRecord<Id>;
      if (rule.stamp !== epoch && this.holds(sr)) {
        rule.stamp = epoch;
        out.push(rule.id);
      }
    }
  }

  /** Final checks for a sub-rule whose positive fields all matched some value. */
  private holds(sr: SubRule): boolean {
    const epoch = this.ctx.epoch;
    let inArray = false;
    let matched = 0;
    for (const use of sr.uses) {
      const present = use.field.seen === epoch;
      if (use.role === 'absent') {
        if (present) return false;
      } else if (!present) {
        // Counted uses are present in a candidate; a negative one may not be.
        if (use.role === 'positive') return false;
      } else {
        if (!(use.negative ? someValueMatches(use) : use.stamp === epoch)) return false;
        matched++;
        if (use.field.inArray) inArray = true;
      }
    }
    return !inArray || matched < 2 || this.consistent(sr);
  }

  /**
   * Event-ruler matches fields of objects inside arrays only when they come from the same array element: there
   * must be one value per matched field such that, for every array enclosing two of them, the indexes agree.
   */
  private consistent(sr: SubRule): boolean {
    const epoch = this.ctx.epoch;
    const choices: Array<Array<ArrayTrail | null>> = [];
    for (const use of sr.uses) {
      // A field with no value inside an array is consistent with anything; its match was already recorded.
      if (use.role === 'absent' || use.field.seen !== epoch || !use.field.inArray) continue;
      const trails: Array<ArrayTrail | null> = [];
      use.field.values.forEach((v, i) => {
        if (use.conditions.some((c) => conditionMatches(c, v as string))) trails.push(use.field.trails[i]);
      });
      choices.push(trails);
    }
    const chosen = new Map<number, number>();
    const search = (k: number): boolean => {
      if (k === choices.length) return true;
      for (const trail of choices[k]) {
        const added: number[] = [];
        let ok = true;
        for (let t = trail; t && ok; t = t.parent) {
          const idx = chosen.get(t.array);
          if (idx === undefined) {
            chosen.set(t.array, t.index);
            added.push(t.array);
          } else if (idx !== t.index) ok = false;
        }
        if (ok && search(k + 1)) return true;
        for (const a of added) chosen.delete(a);
      }
      return false;
    };
    return search(0);
  }
}

/** Whether a negative use's condition accepts one of its field's values (all kept, see field-index.ts). */
function someValueMatches(use: FieldUse): boolean {
  const values = use.field.values;
  for (let i = 0; i < values.length; i++) if (conditionMatches(use.conditions[0], values[i] as LeafValue)) return true;
  return false;
}

/**
 * A sub-rule whose positive uses are all negative (anything-but) needs its fields present but counts none of
 * them, so the presence of the first one's field makes it a candidate.
 */
function triggerOf(sr: SubRule): FieldUse | undefined {
  return sr.required === 0 ? sr.uses.find((u) => u.role === 'positive') : undefined;
}
