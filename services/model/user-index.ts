// Raw user id -> the model's dense user index, for the service's every request and for
// evaluation. A flat table when ids are dense enough (the course's 1..1,000,000: 4 bytes per id
// up to the largest), else a Map. Built once per user-id array and kept while the model lives.
import type { Model } from './types.ts';

export type UserLookup = (id: number) => number;

const lookups = new WeakMap<Int32Array, UserLookup>();

/** The lookup for `model`'s users: dense index of a raw id, or -1 for a user the model has not seen. */
export function userLookup(model: Pick<Model, 'userIds'>): UserLookup {
  let lookup = lookups.get(model.userIds);
  if (!lookup) {
    lookup = buildLookup(model.userIds);
    lookups.set(model.userIds, lookup);
  }
  return lookup;
}

/** Dense index of raw user id `user`, or -1. */
export function userIndexOf(model: Pick<Model, 'userIds'>, user: number): number {
  return userLookup(model)(user);
}

function buildLookup(userIds: Int32Array): UserLookup {
  let min = Infinity;
  let max = 0;
  for (let u = 0; u < userIds.length; u++) {
    if (userIds[u] < min) min = userIds[u];
    if (userIds[u] > max) max = userIds[u];
  }
  if (min >= 0 && max <= 4 * userIds.length + 1024) {
    const table = new Int32Array(max + 1).fill(-1);
    for (let u = 0; u < userIds.length; u++) table[userIds[u]] = u;
    return (id) => (id >= 0 && id <= max && Number.isInteger(id) ? table[id] : -1);
  }
  const map = new Map<number, number>();
  for (let u = 0; u < userIds.length; u++) map.set(userIds[u], u);
  return (id) => map.get(id) ?? -1;
}
