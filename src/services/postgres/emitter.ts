/**
 * The part of Node's EventEmitter that node-postgres's Client and Pool use (`on`, `once`,
 * `removeListener`/`off`, `emit`, `listenerCount`), with its two rules that matter here:
 * listeners run synchronously in the order added, and an `error` with no listener is thrown
 * (the process dies of it, as a Node process does). Written out rather than imported from
 * node:events so that the simulation bundles for the browser (src/play/) without a shim.
 */
type Listener = (...args: never[]) => void;

export class Emitter {
  private readonly listeners = new Map<string, Array<{ readonly fn: Listener; readonly once: boolean }>>();

  on(event: string, listener: (...args: never[]) => void): this {
    const list = this.listeners.get(event) ?? [];
    list.push({ fn: listener, once: false });
    this.listeners.set(event, list);
    return this;
  }

  addListener(event: string, listener: (...args: never[]) => void): this {
    return this.on(event, listener);
  }

  once(event: string, listener: (...args: never[]) => void): this {
    const list = this.listeners.get(event) ?? [];
    list.push({ fn: listener, once: true });
    this.listeners.set(event, list);
    return this;
  }

  /** Removes the most recently added registration of `listener`, as Node does. */
  removeListener(event: string, listener: (...args: never[]) => void): this {
    const list = this.listeners.get(event);
    if (list === undefined) return this;
    for (let i = list.length - 1; i >= 0; i--) {
      if (list[i]?.fn === listener) {
        list.splice(i, 1);
        break;
      }
    }
    return this;
  }

  off(event: string, listener: (...args: never[]) => void): this {
    return this.removeListener(event, listener);
  }

  listenerCount(event: string): number {
    return this.listeners.get(event)?.length ?? 0;
  }

  emit(event: string, ...args: unknown[]): boolean {
    const list = this.listeners.get(event);
    if (list === undefined || list.length === 0) {
      if (event === 'error') throw args[0] instanceof Error ? args[0] : new Error(`Unhandled error. (${String(args[0])})`);
      return false;
    }
    for (const entry of [...list]) {
      if (entry.once) this.removeListener(event, entry.fn);
      (entry.fn as (...a: unknown[]) => void)(...args);
    }
    return true;
  }
}
