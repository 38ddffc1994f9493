// Where provenance rows go: `reccom`, in prepared multi-row INSERTs (insert.ts). Shared by the
// replicas' own recorder (PROVENANCE=on) and the provenance shipper (NGINX's log).
import type { Pool } from 'mysql2/promise';
import { insertParams, insertSql, rowProblem, statementSizes } from './insert.ts';
import type { ProvenanceRow } from './row.ts';

/** Where batches go; a MySQL pool in production, a fake in unit tests. */
export interface RowSink {
  write(rows: readonly ProvenanceRow[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Multi-row INSERTs into `reccom` as prepared statements (see insert.ts): a batch of a
 * power-of-two size is one statement; any other size is a few statements in one transaction, so a
 * batch is written whole or not at all.
 */
export function mysqlRowSink(pool: Pool): RowSink {
  return {
    async write(rows) {
      for (const r of rows) {
        const problem = rowProblem(r);
        if (problem) throw new RangeError(`provenance row ${r.requestId.slice(0, 64)}: ${problem}`);
      }
      const sizes = statementSizes(rows.length);
      if (sizes.length === 0) return;
      if (sizes.length === 1) {
        await pool.execute(insertSql(sizes[0]), insertParams(rows, 0, sizes[0]));
        return;
      }
      const conn = await pool.getConnection();
      let healthy = true;
      try {
        await conn.beginTransaction();
        let from = 0;
        for (const size of sizes) {
          await conn.execute(insertSql(size), insertParams(rows, from, size));
          from += size;
        }
        await conn.commit();
      } catch (err) {
        await conn.rollback().catch(() => {
          healthy = false;
        });
        throw err;
      } finally {
        // A connection that could not even roll back is not handed to the next batch.
        if (healthy) conn.release();
        else conn.destroy();
      }
    },
    close: () => pool.end(),
  };
}
