/**
 * The tree of field paths that some rule references, and the event walk over it. The walk only descends into
 * event members that lead to a referenced path, so the cost of matching does not depend on the parts of an
 * event no rule looks at. Paths are dot-joined like event-ruler's, so `{"a.b": 1}` and `{"a": {"b": 1}}` both
 * reach path `a.b`: each node can be entered by any dotted run of segments leading below it.
 *
 * Values inside arrays carry an ArrayTrail so the matcher can require that fields matched together come from
 * the same array element; trails are only built under nodes that lead to two or more fields, where it matters.
 */
import { FieldIndex } from './field-index.js';
import type { ArrayTrail, FieldSlot, MatchContext } from './rule-state.js';

export class PathNode {
  /** Child nodes by single segment (the tree's structure). */
  readonly children = new Map<string, PathNode>();
  /** Every descendant by its dotted key relative to this node (what an event member name may be). */
  readonly reachable = new Map<string, PathNode>();
  /** `reachable` as an array, rebuilt lazily after changes; iterated for small nodes. */
  private entries: Array<readonly [string, PathNode, boolean]> | null = [];
  field: FieldIndex | null = null;
  /** Fields at or below this node. */
  fieldsBelow = 0;

  constructor(readonly parent: PathNode | null, readonly segment: string) {}

  /** [key, node, inherited]: `inherited` keys (e.g. "constructor") exist on every object via its prototype. */
  reachableEntries(): ReadonlyArray<readonly [string, PathNode, boolean]> {
    return (this.entries ??= [...this.reachable].map(([k, n]) => [k, n, k in Object.prototype] as const));
  }

  invalidate(): void {
    this.entries = null;
  }
}

/** Above this many reachable keys, iterate the event object's own keys instead of the node's. */
const SCAN_EVENT_KEYS_ABOVE = 16;

export class FieldTree {
  private readonly root = new PathNode(null, '');
  private arrayIds = 0;

  constructor(private readonly ctx: MatchContext) {}

  /** The field index for a dotted path, created on first use. */
  acquire(path: string): FieldIndex {
    const segments = path.split('.');
    let node = this.root;
    const created: PathNode[] = [];
    for (const seg of segments) {
      let child = node.children.get(seg);
      if (!child) {
        child = new PathNode(node, seg);
        node.children.set(seg, child);
        created.push(child);
      }
      node = child;
    }
    for (const c of created) this.link(c);
    if (!node.field) {
      node.field = new FieldIndex(this.ctx);
      for (let n: PathNode | null = node; n; n = n.parent) n.fieldsBelow++;
    }
    return node.field;
  }

  /** Drops the path's node (and now-empty ancestors) once its field index has no users. */
  release(path: string, field: FieldSlot): void {
    if (field.refs > 0) return;
    let node = this.root;
    for (const seg of path.split('.')) node = node.children.get(seg)!;
    node.field = null;
    for (let n: PathNode | null = node; n; n = n.parent) n.fieldsBelow--;
    while (node.parent && node.field === null && node.children.size === 0) {
      this.unlink(node);
      node.parent.children.delete(node.segment);
      node = node.parent;
    }
  }

  /** Visits every value of `event` at a referenced path. */
  walk(event: unknown): void {
    if (this.root.fieldsBelow > 0) this.visit(event, this.root, null);
  }

  /** The root node, for walkers over other event representations (see json-scan.ts). */
  get top(): PathNode {
    return this.root;
  }

  /** A fresh id for an array instance met while walking, for ArrayTrails. */
  nextArrayId(): number {
    return ++this.arrayIds;
  }

  private visit(value: unknown, node: PathNode, trail: ArrayTrail | null): void {
    if (typeof value !== 'object' || value === null) {
      if (node.field) node.field.accept(value, trail);
      return;
    }
    if (Array.isArray(value)) {
      // Element positions only matter where two different fields could be matched inside the same array.
      const tracked = node.fieldsBelow > 1;
      const array = tracked ? this.nextArrayId() : 0;
      for (let i = 0; i < value.length; i++) {
        const el: unknown = value[i];
        const elTrail = tracked && typeof el === 'object' && el !== null ? { array, index: i, parent: trail } : trail;
        this.visit(el, node, elTrail);
      }
      return;
    }
    const obj = value as Record<string, unknown>;
    if (node.reachable.size > SCAN_EVENT_KEYS_ABOVE) {
      for (const key in obj) {
        const child = node.reachable.get(key);
        if (child) this.visit(obj[key], child, trail);
      }
      return;
    }
    const entries = node.reachableEntries();
    for (let i = 0; i < entries.length; i++) {
      const [key, child, inherited] = entries[i];
      const member = obj[key];
      if (member !== undefined && (!inherited || Object.hasOwn(obj, key))) this.visit(member, child, trail);
    }
  }

  /** Registers a new node under every ancestor by its dotted key relative to that ancestor. */
  private link(node: PathNode): void {
    let key = node.segment;
    for (let anc = node.parent; anc; anc = anc.parent) {
      anc.reachable.set(key, node);
      anc.invalidate();
      key = `${anc.segment}.${key}`;
    }
  }

  private unlink(node: PathNode): void {
    let key = node.segment;
    for (let anc = node.parent; anc; anc = anc.parent) {
      anc.reachable.delete(key);
      anc.invalidate();
      key = `${anc.segment}.${key}`;
    }
  }
}
