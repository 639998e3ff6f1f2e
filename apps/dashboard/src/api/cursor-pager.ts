import { useCallback, useState } from 'react';

/**
 * Walks cursor-paged lists: the cursors of the pages seen so far, so "Previous" goes back to exactly
 * the page it came from. A new `listKey` (queue, state, filter) starts over at the first page in the
 * same render, so a cursor is never sent for a list it was not made for (the API refuses that).
 */
export function useCursorPager(listKey: string) {
  const [walk, setWalk] = useState<{ key: string; cursors: (string | null)[] }>({
    key: listKey,
    cursors: [null],
  });
  // A new list forgets the old walk at once (React's "adjust state while rendering"), so coming back to a
  // list later starts at its first page rather than where an earlier walk of it stopped.
  if (walk.key !== listKey) setWalk({ key: listKey, cursors: [null] });
  const cursors = walk.key === listKey ? walk.cursors : [null];
  const update = useCallback(
    (change: (cursors: (string | null)[]) => (string | null)[]) =>
      setWalk((w) => ({ key: listKey, cursors: change(w.key === listKey ? w.cursors : [null]) })),
    [listKey],
  );
  return {
    cursor: cursors[cursors.length - 1] ?? null,
    pageNumber: cursors.length,
    next: (cursor: string) => update((c) => [...c, cursor]),
    previous: () => update((c) => (c.length > 1 ? c.slice(0, -1) : c)),
    first: () => update(() => [null]),
  };
}
