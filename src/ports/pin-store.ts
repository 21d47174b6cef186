/** Approved tool definitions (description pinning): the firewall reads them through this port. */
export interface PinRecord {
  tool: string;
  /** SHA-256 of the approved definition's canonical JSON; null while a new tool awaits its first approval. */
  hash: string | null;
  definition: string | null;
  pendingHash: string | null;
  pendingDefinition: string | null;
  approvedBy: string | null;
  approvedAt: string | null;
}

export interface PinStore {
  readonly kind: "sqlite" | "postgres";
  load(): Promise<PinRecord[]>;
  /** Records the first approval of a tool unless it is already pinned (another replica may have pinned it). */
  pinFirst(tool: string, hash: string, definition: string, by: string): Promise<void>;
  /** Records (or clears, with nulls) the definition awaiting approval. */
  setPending(tool: string, hash: string | null, definition: string | null): Promise<void>;
  /** Promotes the pending definition to approved; undefined when the tool has nothing pending. */
  approve(tool: string, by: string): Promise<PinRecord | undefined>;
  close(): Promise<void>;
}

/** The embedded database file shared by the gateway's stores. */
