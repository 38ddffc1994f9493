// md5 of files and buffers: the identity DVC and the model manifest use.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export function md5(data: string | Uint8Array): string {
  return createHash('md5').update(data).digest('hex');
}

export async function md5File(path: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
