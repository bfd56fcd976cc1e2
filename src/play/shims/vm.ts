/**
 * `node:vm` in the browser build: `compileFunction` as src/redis/engine/fengari.ts uses it, a function
 * with the given parameters and body, in the global scope (as vm's is, by default, in the
 * main context). The sourceURL names the file in the browser's error stacks.
 */
export function compileFunction(code: string, params: readonly string[] = [], options: { filename?: string } = {}): (...args: unknown[]) => unknown {
  const source = options.filename === undefined ? code : `${code}\n//# sourceURL=${options.filename}`;
  // Compiling patched sources is this function's purpose (the browser's stand-in for vm.compileFunction).
  return new Function(...params, source) as (...args: unknown[]) => unknown;
}

export default { compileFunction };
