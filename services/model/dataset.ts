// From rating rows to the dense, typed-array form training works on, plus the two
// derived tables a model carries: the seen-items CSR and the cold-start popularity list.

export interface IndexedRatings {
  /** Raw user ids, ascending; dense user index = position. */
  userIds: Int32Array;
  /** Item ids in code-unit order; dense item index = position. */
  itemIds: string[];
  users: Uint32Array;
  items: Uint32Array;
  ratings: Float32Array;
  mean: number;
}

interface Row {
  user: number;
  movie: string;
  rating: number;
}

export interface IdMaps {
  /** Raw user ids, ascending; dense user index = position. */
  userIds: Int32Array;
  /** Item ids in code-unit order; dense item index = position. */
  itemIds: string[];
  userIndex: Map<number, number>;
  itemIndex: Map<string, number>;
}

/** Dense indexes sorted by raw id, so the same rows always give the same model layout. */
export function indexIds(rows: ReadonlyArray<{ user: number; movie: string }>): IdMaps {
  const userSet = new Set<number>();
  const itemSet = new Set<string>();
  for (const r of rows) {
    userSet.add(r.user);
    itemSet.add(r.movie);
  }
  const userIds = Int32Array.from(userSet).sort();
  const itemIds = [...itemSet].sort();
  return { userIds, itemIds, ...idLookups(userIds, itemIds) };
}

function idLookups(userIds: Int32Array, itemIds: readonly string[]): { userIndex: Map<number, number>; itemIndex: Map<string, number> } {
  const userIndex = new Map<number, number>();
  for (let u = 0; u < userIds.length; u++) userIndex.set(userIds[u], u);
  const itemIndex = new Map<string, number>();
  for (let i = 0; i < itemIds.length; i++) itemIndex.set(itemIds[i], i);
  return { userIndex, itemIndex };
}

/** Dense indexes sorted by raw id, so the same ratings always give the same model layout. */
export function indexRatings(rows: readonly Row[]): IndexedRatings {
  const { userIds, itemIds, userIndex, itemIndex } = indexIds(rows);
  const n = rows.length;
  const users = new Uint32Array(n);
  const items = new Uint32Array(n);
  const ratings = new Float32Array(n);
  let sum = 0;
  for (let j = 0; j < n; j++) {
    const r = rows[j];
    users[j] = userIndex.get(r.user)!;
    items[j] = itemIndex.get(r.movie)!;
    ratings[j] = r.rating;
    sum += r.rating;
  }
  return { userIds, itemIds, users, items, ratings, mean: n ? sum / n : 0 };
}

/** Per-user sorted, de-duplicated item lists in CSR form. */
export function buildSeen(nUsers: number, users: Uint32Array, items: Uint32Array): { seenOffsets: Uint32Array; seenItems: Uint32Array } {
  const counts = new Uint32Array(nUsers + 1);
  for (let j = 0; j < users.length; j++) counts[users[j] + 1]++;
  for (let u = 0; u < nUsers; u++) counts[u + 1] += counts[u];
  const fill = counts.slice(0, nUsers);
  const raw = new Uint32Array(users.length);
  for (let j = 0; j < users.length; j++) raw[fill[users[j]]++] = items[j];
  const seenOffsets = new Uint32Array(nUsers + 1);
  let out = 0;
  for (let u = 0; u < nUsers; u++) {
    const segment = raw.subarray(counts[u], counts[u + 1]).sort();
    seenOffsets[u] = out;
    for (let k = 0; k < segment.length; k++) {
      if (k === 0 || segment[k] !== segment[k - 1]) raw[out++] = segment[k];
    }
  }
  seenOffsets[nUsers] = out;
  return { seenOffsets, seenItems: raw.slice(0, out) };
}

/**
 * The seen table of (users[j], items[j]) plus `extra` raw-id pairs; pairs with a user or item
 * not in the id maps are ignored (the model has no vectors for them).
 */
export function buildSeenWithExtras(
  userIds: Int32Array,
  itemIds: readonly string[],
  users: Uint32Array,
  items: Uint32Array,
  extra: ReadonlyArray<{ user: number; movie: string }> | undefined,
): { seenOffsets: Uint32Array; seenItems: Uint32Array } {
  if (!extra?.length) return buildSeen(userIds.length, users, items);
  const { userIndex, itemIndex } = idLookups(userIds, itemIds);
  const moreUsers: number[] = [];
  const moreItems: number[] = [];
  for (const pair of extra) {
    const u = userIndex.get(pair.user);
    const i = itemIndex.get(pair.movie);
    if (u !== undefined && i !== undefined) {
      moreUsers.push(u);
      moreItems.push(i);
    }
  }
  const allUsers = new Uint32Array(users.length + moreUsers.length);
  allUsers.set(users);
  allUsers.set(moreUsers, users.length);
  const allItems = new Uint32Array(items.length + moreItems.length);
  allItems.set(items);
  allItems.set(moreItems, items.length);
  return buildSeen(userIds.length, allUsers, allItems);
}

/** Damping for the cold-start ranking: an item needs about this many ratings to move far from the mean. */
export const POPULARITY_DAMPING = 20;
/** Length of the stored cold-start ranking. */
export const POPULAR_KEPT = 1000;

/** Items by damped mean rating (sum + m·mean) / (count + m), best first; ties by more ratings, then index. */
export function popularity(nItems: number, items: Uint32Array, ratings: Float32Array, mean: number, keep = POPULAR_KEPT): Uint32Array {
  const sum = new Float64Array(nItems);
  const count = new Uint32Array(nItems);
  for (let j = 0; j < items.length; j++) {
    sum[items[j]] += ratings[j];
    count[items[j]]++;
  }
  const score = new Float64Array(nItems);
  for (let i = 0; i < nItems; i++) score[i] = (sum[i] + POPULARITY_DAMPING * mean) / (count[i] + POPULARITY_DAMPING);
  const order = Array.from({ length: nItems }, (_, i) => i);
  order.sort((a, b) => score[b] - score[a] || count[b] - count[a] || a - b);
  return Uint32Array.from(order.slice(0, Math.min(keep, nItems)));
}
