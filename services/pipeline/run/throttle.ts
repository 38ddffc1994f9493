// Calls `fn` at most once per `ms` (the first call always goes through): progress lines, not floods.
export function throttle<A>(ms: number, fn: (arg: A) => void, now: () => number = Date.now): (arg: A) => void {
  let last = Number.NEGATIVE_INFINITY;
  return (arg) => {
    const t = now();
    if (t - last < ms) return;
    last = t;
    fn(arg);
  };
}
