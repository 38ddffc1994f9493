// model.bin, format version 1 (little-endian). A 128-byte header, then sections each
// starting on an 8-byte boundary so they can be viewed as typed arrays in place:
//
//   0  'MQMF'         4  u32 format version   8  u32 header bytes (128)   12 u32 flags (bit 0: seen items are u16)
//   16 u32 factors    20 u32 epochs           24 u32 threads              28 u32 users
//   32 u32 items      36 u32 seen entries     40 u32 popular entries      44 u32 item-id block bytes
//   48 f64 lr  56 f64 reg  64 f64 initMean  72 f64 initStd  80 f64 seed  88 f64 ratingMin  96 f64 ratingMax
//   104 f64 global mean                       112..127 reserved, zero
//   sections: user ids i32[users], user bias f32[users], item bias f32[items],
//             user factors f32[users*factors], item factors f32[items*factors],
//             seen offsets u32[users+1], seen items u16|u32[seen], popular u32[popular],
//             item ids: UTF-8, joined by '\n'
//
// Nothing time-dependent is stored, so the same model always encodes to the same bytes.
import { MarqueeError, type MarqueeErrorOptions } from '../core/errors.ts';
import type { Model } from './types.ts';

export class ArtifactError extends MarqueeError {
  constructor(message: string, options?: MarqueeErrorOptions) {
    super('ARTIFACT', message, options);
  }
}

export const MAGIC = 0x464d514d; // 'MQMF' read as a little-endian u32
export const FORMAT_VERSION = 1;
const HEADER_BYTES = 128;
const FLAG_SEEN_U16 = 1;

interface Layout {
  userIds: number;
  userBias: number;
  itemBias: number;
  userFactors: number;
  itemFactors: number;
  seenOffsets: number;
  seenItems: number;
  popular: number;
  itemIds: number;
  total: number;
}

const align8 = (x: number) => Math.ceil(x / 8) * 8;

function layout(nUsers: number, nItems: number, k: number, nSeen: number, seenWidth: number, nPopular: number, idBytes: number): Layout {
  let at = HEADER_BYTES;
  const next = (bytes: number) => {
    const start = at;
    at = align8(at + bytes);
    return start;
  };
  const l = {
    userIds: next(nUsers * 4),
    userBias: next(nUsers * 4),
    itemBias: next(nItems * 4),
    userFactors: next(nUsers * k * 4),
    itemFactors: next(nItems * k * 4),
    seenOffsets: next((nUsers + 1) * 4),
    seenItems: next(nSeen * seenWidth),
    popular: next(nPopular * 4),
    itemIds: at,
    total: 0,
  };
  l.total = l.itemIds + idBytes;
  return l;
}

export function encodeModel(model: Model): Uint8Array {
  const p = model.params;
  const k = p.factors;
  const nUsers = model.userIds.length;
  const nItems = model.itemIds.length;
  checkShapes(model);
  for (const id of model.itemIds) {
    if (id.includes('\n')) throw new ArtifactError(`item id ${JSON.stringify(id)} contains a newline and cannot be stored`);
  }
  const ids = new TextEncoder().encode(model.itemIds.join('\n'));
  const seenU16 = nItems <= 0x10000;
  const nSeen = model.seenItems.length;
  const l = layout(nUsers, nItems, k, nSeen, seenU16 ? 2 : 4, model.popular.length, ids.length);
  const buf = new ArrayBuffer(l.total);
  const view = new DataView(buf);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, FORMAT_VERSION, true);
  view.setUint32(8, HEADER_BYTES, true);
  view.setUint32(12, seenU16 ? FLAG_SEEN_U16 : 0, true);
  [k, p.epochs, p.threads, nUsers, nItems, nSeen, model.popular.length, ids.length].forEach((v, j) => view.setUint32(16 + 4 * j, v, true));
  [p.lr, p.reg, p.initMean, p.initStd, p.seed, p.ratingMin, p.ratingMax, model.globalMean].forEach((v, j) => view.setFloat64(48 + 8 * j, v, true));
  new Int32Array(buf, l.userIds, nUsers).set(model.userIds);
  new Float32Array(buf, l.userBias, nUsers).set(model.userBias);
  new Float32Array(buf, l.itemBias, nItems).set(model.itemBias);
  new Float32Array(buf, l.userFactors, nUsers * k).set(model.userFactors);
  new Float32Array(buf, l.itemFactors, nItems * k).set(model.itemFactors);
  new Uint32Array(buf, l.seenOffsets, nUsers + 1).set(model.seenOffsets);
  if (seenU16) new Uint16Array(buf, l.seenItems, nSeen).set(model.seenItems);
  else new Uint32Array(buf, l.seenItems, nSeen).set(model.seenItems);
  new Uint32Array(buf, l.popular, model.popular.length).set(model.popular);
  new Uint8Array(buf, l.itemIds, ids.length).set(ids);
  return new Uint8Array(buf);
}

function checkShapes(model: Model): void {
  const k = model.params.factors;
  const nUsers = model.userIds.length;
  const nItems = model.itemIds.length;
  const expect = (what: string, actual: number, wanted: number) => {
    if (actual !== wanted) throw new ArtifactError(`model ${what} has length ${actual}, expected ${wanted}`);
  };
  expect('userBias', model.userBias.length, nUsers);
  expect('itemBias', model.itemBias.length, nItems);
  expect('userFactors', model.userFactors.length, nUsers * k);
  expect('itemFactors', model.itemFactors.length, nItems * k);
  expect('seenOffsets', model.seenOffsets.length, nUsers + 1);
  expect('seenItems', model.seenItems.length, model.seenOffsets[nUsers]);
}

/**
 * Typed-array views over `bytes` (no copy of the factor matrices; `bytes` must start on an
 * 8-byte boundary). Seen items stored as u16 are widened to the Uint32Array the Model holds.
 */
export function decodeModel(bytes: Uint8Array): Model {
  // Node's small-file buffers may sit at any offset of a shared pool; copy those to align them.
  if (bytes.byteOffset % 8 !== 0) bytes = new Uint8Array(bytes);
  const buf = bytes.buffer;
  const base = bytes.byteOffset;
  if (bytes.length < HEADER_BYTES) throw new ArtifactError(`model.bin is ${bytes.length} bytes, shorter than its ${HEADER_BYTES}-byte header`);
  const view = new DataView(buf, base, bytes.length);
  if (view.getUint32(0, true) !== MAGIC) throw new ArtifactError('model.bin does not start with the MQMF magic: not a Marquee model file');
  const version = view.getUint32(4, true);
  if (version !== FORMAT_VERSION) throw new ArtifactError(`model.bin has format version ${version}; this build reads version ${FORMAT_VERSION}`);
  if (view.getUint32(8, true) !== HEADER_BYTES) throw new ArtifactError('model.bin has an unexpected header size');
  const flags = view.getUint32(12, true);
  const [k, epochs, threads, nUsers, nItems, nSeen, nPopular, idBytes] = Array.from({ length: 8 }, (_, j) => view.getUint32(16 + 4 * j, true));
  const [lr, reg, initMean, initStd, seed, ratingMin, ratingMax, globalMean] = Array.from({ length: 8 }, (_, j) => view.getFloat64(48 + 8 * j, true));
  const seenU16 = (flags & FLAG_SEEN_U16) !== 0;
  const l = layout(nUsers, nItems, k, nSeen, seenU16 ? 2 : 4, nPopular, idBytes);
  if (l.total !== bytes.length) {
    throw new ArtifactError(`model.bin is ${bytes.length} bytes but its header describes ${l.total}: truncated or corrupt`);
  }
  const seenOffsets = new Uint32Array(buf, base + l.seenOffsets, nUsers + 1);
  if (seenOffsets[nUsers] !== nSeen) throw new ArtifactError('model.bin seen-items table is inconsistent with its header');
  const seenItems = seenU16 ? new Uint32Array(new Uint16Array(buf, base + l.seenItems, nSeen)) : new Uint32Array(buf, base + l.seenItems, nSeen);
  let itemIds: string[];
  try {
    itemIds = nItems === 0 ? [] : new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(buf, base + l.itemIds, idBytes)).split('\n');
  } catch {
    throw new ArtifactError('model.bin item ids are not valid UTF-8');
  }
  if (itemIds.length !== nItems) throw new ArtifactError(`model.bin lists ${itemIds.length} item ids, expected ${nItems}`);
  const popular = new Uint32Array(buf, base + l.popular, nPopular);
  for (let j = 0; j < nPopular; j++) {
    if (popular[j] >= nItems) throw new ArtifactError(`model.bin popularity list names item ${popular[j]} of ${nItems}`);
  }
  return {
    params: { factors: k, epochs, lr, reg, initMean, initStd, seed, threads, ratingMin, ratingMax },
    globalMean,
    userIds: new Int32Array(buf, base + l.userIds, nUsers),
    itemIds,
    userBias: new Float32Array(buf, base + l.userBias, nUsers),
    itemBias: new Float32Array(buf, base + l.itemBias, nItems),
    userFactors: new Float32Array(buf, base + l.userFactors, nUsers * k),
    itemFactors: new Float32Array(buf, base + l.itemFactors, nItems * k),
    seenOffsets,
    seenItems,
    popular,
  };
}
