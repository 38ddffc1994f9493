// One `reccom` row: which replica answered which request, with which model, and what it sent.
export interface ProvenanceRow {
  requestId: string;
  /** The process that answered (REPLICA_NAME); with requestId, the row's unique key. */
  replica: string;
  version: string;
  userId: number;
  /** Epoch milliseconds. */
  servedAt: number;
  track: string;
  /** 200 when the answer reached the caller; ABANDONED_STATUS when the caller had gone. */
  status: number;
  latencyMs: number;
  /** The ids returned, comma-separated as served. */
  result: string;
}

/** NGINX's code for "the client closed the connection before the answer": nobody received it. */
export const ABANDONED_STATUS = 499;
