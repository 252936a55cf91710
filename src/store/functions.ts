/**
 * The store's side of Lambda-style functions: their registrations (a validated spec as JSON), so a function
 * registered through the API is still there after a restart, with events queued for it.
 */

export interface FunctionStore {
  putFunction(name: string, spec: string, now: number): Promise<void>;
  deleteFunction(name: string): Promise<boolean>;
  /** Every registration: name → spec JSON. */
  allFunctions(): Promise<Record<string, string>>;
}
