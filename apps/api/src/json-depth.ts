/**
 * How deeply a parsed JSON value nests, counting each array or object as one level (a scalar is 0),
 * walked with an explicit stack so any depth is measured without recursion. Stops early, returning
 * `limit + 1`, once the value is known to be deeper than `limit`.
 */
export function jsonDepth(value: unknown, limit: number = Number.MAX_SAFE_INTEGER): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    const level = depth + 1;
    if (level > limit) return limit + 1;
    if (level > deepest) deepest = level;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (child !== null && typeof child === 'object') stack.push([child, level]);
    }
  }
  return deepest;
}
