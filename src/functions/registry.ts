/**
 * The functions Mailroom can invoke: those declared in the config file and those registered through the API
 * (`PUT /_mailroom/functions/<name>` or `mailroom.functions.register()`), persisted in the store so a restart
 * keeps them — and the events queued for them. Lookups are in memory.
 */
import type { FunctionStore } from '../store/functions.js';
import { resolveFunctionSpec, type FunctionSpec } from './spec.js';

export class FunctionRegistry {
  readonly #specs = new Map<string, Readonly<FunctionSpec>>();

  private constructor(private readonly store: FunctionStore) {}

  /** Loads the stored registrations, then registers (and stores) the configured ones over them. */
  static async open(store: FunctionStore, configured: readonly unknown[], now: number): Promise<FunctionRegistry> {
    const registry = new FunctionRegistry(store);
    for (const [name, spec] of Object.entries(await store.allFunctions())) registry.#specs.set(name, resolveFunctionSpec(JSON.parse(spec)));
    for (const spec of configured) await registry.register(spec, now);
    return registry;
  }

  get(name: string): Readonly<FunctionSpec> | undefined {
    return this.#specs.get(name);
  }

  list(): Readonly<FunctionSpec>[] {
    return [...this.#specs.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** Validates (FunctionSpecError names the bad field) and stores a function, replacing one of the same name. */
  async register(input: unknown, now: number): Promise<Readonly<FunctionSpec>> {
    const spec = resolveFunctionSpec(input);
    await this.store.putFunction(spec.name, JSON.stringify(spec), now);
    this.#specs.set(spec.name, spec);
    return spec;
  }

  async remove(name: string): Promise<boolean> {
    this.#specs.delete(name);
    return this.store.deleteFunction(name);
  }
}
