/**
 * The functions Mailroom can invoke: those declared in the config file and those registered through the API
 * (`PUT /_mailroom/functions/<name>` or `mailroom.functions.register()`), persisted in the store so a restart
 * keeps them — and the events queued for them. Lookups are in memory.
 */
import type { Clock } from '../clock.js';
import type { FunctionStore } from '../store/functions.js';
import { resolveFunctionSpec, type FunctionSpec } from './spec.js';

export class FunctionRegistry {
  readonly #specs = new Map<string, Readonly<FunctionSpec>>();

  private constructor(
    private readonly store: FunctionStore,
    private readonly clock: Clock,
  ) {}

  /** Loads the stored registrations, then registers (and stores) the configured ones over them. */
  static async open(store: FunctionStore, clock: Clock, configured: readonly unknown[]): Promise<FunctionRegistry> {
    const registry = new FunctionRegistry(store, clock);
    for (const [name, spec] of Object.entries(await store.allFunctions())) registry.#specs.set(name, resolveFunctionSpec(JSON.parse(spec)));
    for (const spec of configured) await registry.register(spec);
    return registry;
  }

  get(name: string): Readonly<FunctionSpec> | undefined {
    return this.#specs.get(name);
  }

  list(): Readonly<FunctionSpec>[] {
    return [...this.#specs.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** Validates (FunctionSpecError names the bad field) and stores a function, replacing one of the same name. */
  async register(input: unknown): Promise<Readonly<FunctionSpec>> {
    const spec = resolveFunctionSpec(input);
    await this.store.putFunction(spec.name, JSON.stringify(spec), this.clock.now());
    this.#specs.set(spec.name, spec);
    return spec;
  }

  /** False when there was no such function. Events already queued for it are dropped (logged) when they fall due. */
  async remove(name: string): Promise<boolean> {
    // Store first, as register does: a failed write leaves memory and store agreeing.
    const removed = await this.store.deleteFunction(name);
    this.#specs.delete(name);
    return removed;
  }
}
