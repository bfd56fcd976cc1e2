/** sprintf-js (a dependency of fengari) ships no types; the browser build only hands it to fengari. */
declare module 'sprintf-js' {
  export function sprintf(format: string, ...args: unknown[]): string;
  export function vsprintf(format: string, args: readonly unknown[]): string;
}
